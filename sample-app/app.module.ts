import { Module } from '@nestjs/common';
import type { DynamicModule } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { Registry } from 'prom-client';

import { CircuitBreakerModule } from '../lib/index.js';
import type { BreakerOptions } from '../lib/index.js';
import { CallTimeoutFilter } from './call-timeout.filter.js';
import { DOWNSTREAM_URL, DownstreamClient } from './downstream/downstream.client.js';
import { HealthController } from './health/health.controller.js';
import { METRICS_REGISTRY, MetricsController } from './metrics/metrics.controller.js';
import { QuoteController } from './quotes/quote.controller.js';
import { QuoteService } from './quotes/quote.service.js';
import { RecordExportService } from './records/record-export.service.js';
import { StockController } from './stock/stock.controller.js';
import { StockService } from './stock/stock.service.js';

/**
 * The `downstream` breaker: three failures in a row open it for one second, then two successful
 * probes close it; a call that takes longer than 300 ms counts as a failure.
 */
export const DOWNSTREAM_BREAKER = {
  maxFailures: 3,
  timeout: 1_000,
  maxRequests: 2,
  callTimeout: 300,
} as const satisfies BreakerOptions;

/**
 * The `pipeline-sink` breaker, which protects the record export: three failures in a row open it
 * for half a second, then two successful probes close it; a write that takes longer than 300 ms
 * counts as a failure.
 */
export const PIPELINE_SINK_BREAKER = {
  maxFailures: 3,
  timeout: 500,
  maxRequests: 2,
  callTimeout: 300,
} as const satisfies BreakerOptions;

/** What the sample application can take from its caller besides the downstream's URL. */
export interface SampleAppOptions {
  /**
   * Source of the current time in milliseconds for the application's breakers; tests pass a manual
   * clock to end an open period without waiting.
   * @default Date.now
   */
  clock?: () => number;
}

/**
 * The sample application: quotes with a cached fallback, stock levels without one, a record export
 * that queues records while its breaker is open, the breakers' Prometheus metrics on
 * `GET /metrics` and the `downstream` breaker's health on `GET /health`.
 */
@Module({})
export class AppModule {
  /**
   * Builds the application around a downstream service. Each call creates its own prom-client
   * `Registry`, so that several applications can run in one process.
   *
   * @param downstreamUrl base URL of the downstream, such as `http://127.0.0.1:41234`
   * @param options the breakers' clock
   */
  static forDownstream(downstreamUrl: string, options: SampleAppOptions = {}): DynamicModule {
    const metrics = new Registry();

    return {
      module: AppModule,
      imports: [
        CircuitBreakerModule.forRoot({
          breakers: {
            downstream: { ...DOWNSTREAM_BREAKER, clock: options.clock },
            'pipeline-sink': { ...PIPELINE_SINK_BREAKER, clock: options.clock },
          },
          metrics: { prometheus: { registry: metrics } },
        }),
        TerminusModule,
      ],
      controllers: [QuoteController, StockController, MetricsController, HealthController],
      providers: [
        { provide: DOWNSTREAM_URL, useValue: downstreamUrl },
        { provide: METRICS_REGISTRY, useValue: metrics },
        { provide: APP_FILTER, useClass: CallTimeoutFilter },
        DownstreamClient,
        QuoteService,
        RecordExportService,
        StockService,
      ],
    };
  }
}
