import { Module } from '@nestjs/common';
import type { DynamicModule } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';

import { CircuitBreakerModule } from '../lib/index.js';
import type { BreakerOptions } from '../lib/index.js';
import { CallTimeoutFilter } from './call-timeout.filter.js';
import { DOWNSTREAM_URL, DownstreamClient } from './downstream/downstream.client.js';
import { QuoteController } from './quotes/quote.controller.js';
import { QuoteService } from './quotes/quote.service.js';
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

/** The sample application: quotes with a cached fallback and stock levels without one. */
@Module({})
export class AppModule {
  /**
   * Builds the application around a downstream service.
   *
   * @param downstreamUrl base URL of the downstream, such as `http://127.0.0.1:41234`
   */
  static forDownstream(downstreamUrl: string): DynamicModule {
    return {
      module: AppModule,
      imports: [CircuitBreakerModule.forRoot({ breakers: { downstream: DOWNSTREAM_BREAKER } })],
      controllers: [QuoteController, StockController],
      providers: [
        { provide: DOWNSTREAM_URL, useValue: downstreamUrl },
        { provide: APP_FILTER, useClass: CallTimeoutFilter },
        DownstreamClient,
        QuoteService,
        StockService,
      ],
    };
  }
}
