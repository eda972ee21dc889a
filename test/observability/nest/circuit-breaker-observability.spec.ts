import { type ModuleMetadata } from '@nestjs/common';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { Test, type TestingModule } from '@nestjs/testing';
import { type DataPoint, MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { Registry } from 'prom-client';
import { BreakerConfigError } from '../../../lib/core/index.js';
import { CIRCUIT_BREAKER_MODULE_OPTIONS } from '../../../lib/nest/circuit-breaker.module-definition.js';
import { CircuitBreakerRegistry } from '../../../lib/nest/circuit-breaker.registry.js';
import { CircuitBreakerObservability } from '../../../lib/nest/observability/circuit-breaker-observability.js';
import type { CircuitBreakerObservabilityOptions } from '../../../lib/nest/observability/circuit-breaker-observability-options.interface.js';
import {
  DEFAULT_PEER_LOADERS,
  OPTIONAL_PEER_LOADERS,
  type OptionalPeerLoaders,
} from '../../../lib/nest/observability/optional-peer-loaders.js';
import { notInstalled, StateChangeListener } from '../observability-fixtures.js';

/**
 * Compiles a module holding a registry and the observability provider, without starting it.
 * The registry is built apart from the options, which hold only what this layer reads.
 */
function compile(
  options: CircuitBreakerObservabilityOptions,
  metadata: ModuleMetadata = {},
  loaders: Partial<OptionalPeerLoaders> = {},
): Promise<TestingModule> {
  return Test.createTestingModule({
    imports: metadata.imports,
    providers: [
      { provide: CIRCUIT_BREAKER_MODULE_OPTIONS, useValue: options },
      { provide: OPTIONAL_PEER_LOADERS, useValue: { ...DEFAULT_PEER_LOADERS, ...loaders } },
      { provide: CircuitBreakerRegistry, useFactory: () => new CircuitBreakerRegistry() },
      CircuitBreakerObservability,
      ...(metadata.providers ?? []),
    ],
  }).compile();
}

/** An OpenTelemetry reader that collects when asked, as a scrape would. */
class CollectingReader extends MetricReader {
  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }

  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }

  /** Collects and returns the data points of `instrument` as sorted `attributes value` lines. */
  async points(instrument: string): Promise<string[]> {
    const { resourceMetrics } = await this.collect();
    const metric = resourceMetrics.scopeMetrics
      .flatMap((scope) => scope.metrics)
      .find((each) => each.descriptor.name === instrument);
    const dataPoints = (metric?.dataPoints ?? []) as DataPoint<number>[];

    return dataPoints
      .map(({ attributes, value }) => {
        const labels = Object.entries(attributes).map(([key, each]) => `${key}=${String(each)}`);

        return `${labels.join(',')} ${value}`;
      })
      .sort();
  }
}

describe('CircuitBreakerObservability', () => {
  let moduleRef: TestingModule | undefined;

  afterEach(async () => {
    await moduleRef?.close();
    moduleRef = undefined;
  });

  describe('metrics', () => {
    it('registers the Prometheus metrics at start and unregisters them at shutdown', async () => {
      const registry = new Registry();

      moduleRef = await compile({ metrics: { prometheus: { registry } } });
      await moduleRef.init();
      await moduleRef
        .get(CircuitBreakerRegistry)
        .getOrCreate('payments')
        .call(() => 'ok');

      expect(await registry.metrics()).toContain(
        'circuit_breaker_calls_total{breaker="payments",outcome="success"} 1',
      );

      await moduleRef.close();
      moduleRef = undefined;

      expect(registry.getMetricsAsArray()).toEqual([]);
    });

    it('records the OpenTelemetry instruments on the meter it is given, until shutdown', async () => {
      const reader = new CollectingReader();
      const provider = new MeterProvider({ readers: [reader] });

      try {
        moduleRef = await compile({
          metrics: { openTelemetry: { meter: provider.getMeter('shop') } },
        });
        await moduleRef.init();

        const payments = moduleRef.get(CircuitBreakerRegistry).getOrCreate('payments');

        await payments.call(() => 'ok');
        await payments.call(() => Promise.reject(new Error('down'))).catch(() => undefined);

        expect(await reader.points('circuit_breaker.calls')).toEqual([
          'breaker=payments,outcome=failure 1',
          'breaker=payments,outcome=success 1',
        ]);
        expect(await reader.points('circuit_breaker.state')).toContain(
          'breaker=payments,state=closed 1',
        );

        await moduleRef.close();
        moduleRef = undefined;
        await payments.call(() => 'ok');

        // The SDK reports what it last observed; the call after shutdown is not observed.
        expect(await reader.points('circuit_breaker.calls')).toEqual([
          'breaker=payments,outcome=failure 1',
          'breaker=payments,outcome=success 1',
        ]);
      } finally {
        await provider.shutdown();
      }
    });

    it('stops bootstrap naming the package when prom-client is not installed', async () => {
      moduleRef = await compile(
        { metrics: { prometheus: true } },
        {},
        { promClient: notInstalled },
      );

      await expect(moduleRef.init()).rejects.toThrow(
        'The "metrics.prometheus" option needs the package "prom-client", which could not be ' +
          'loaded. Install it with `npm install prom-client`.',
      );
    });

    it('stops bootstrap naming the package when @opentelemetry/api is not installed', async () => {
      moduleRef = await compile(
        { metrics: { openTelemetry: true } },
        {},
        { openTelemetry: notInstalled },
      );

      await expect(moduleRef.init()).rejects.toThrow('npm install @opentelemetry/api');
    });

    it('detaches what it attached when a later option fails', async () => {
      const registry = new Registry();

      moduleRef = await compile(
        { metrics: { prometheus: { registry }, openTelemetry: true } },
        {},
        { openTelemetry: notInstalled },
      );

      await expect(moduleRef.init()).rejects.toThrow('npm install @opentelemetry/api');
      expect(registry.getMetricsAsArray()).toEqual([]);
    });

    it('loads nothing when no option asks for it', async () => {
      const loaders = {
        promClient: notInstalled,
        openTelemetry: notInstalled,
        eventEmitter: notInstalled,
        terminus: notInstalled,
      };

      moduleRef = await compile({ metrics: {}, events: false }, {}, loaders);

      await expect(moduleRef.init()).resolves.toBeDefined();
    });

    it.each([
      [{ metrics: { prometheus: { prefix: 'a-b' } } }, 'metrics.prometheus.prefix'],
      [
        { metrics: { openTelemetry: { callDurations: 'off' } } },
        'metrics.openTelemetry.callDurations',
      ],
      [{ metrics: { statsd: true } }, 'metrics.statsd'],
      [{ metrics: true }, 'metrics'],
      [{ events: 'yes' }, 'events'],
    ])('stops bootstrap on %p naming %s', async (options, option) => {
      moduleRef = await compile(options as CircuitBreakerObservabilityOptions);

      const init = moduleRef.init();

      await expect(init).rejects.toThrow(BreakerConfigError);
      await expect(init).rejects.toMatchObject({ option });
    });
  });

  describe('events', () => {
    it("delivers every state change to @OnEvent('circuit-breaker.state-change')", async () => {
      moduleRef = await compile(
        { events: true },
        { imports: [EventEmitterModule.forRoot()], providers: [StateChangeListener] },
      );
      await moduleRef.init();

      const breaker = moduleRef.get(CircuitBreakerRegistry).getOrCreate('payments');

      breaker.forceOpen();
      breaker.reset();

      expect(
        moduleRef.get(StateChangeListener).received.map(({ breaker, from, to, reason }) => ({
          breaker,
          from,
          to,
          reason,
        })),
      ).toEqual([
        { breaker: 'payments', from: 'closed', to: 'forced-open', reason: 'forced-open' },
        { breaker: 'payments', from: 'forced-open', to: 'closed', reason: 'reset' },
      ]);
    });

    it('stops bootstrap when no module provides EventEmitter2', async () => {
      moduleRef = await compile({ events: true });

      await expect(moduleRef.init()).rejects.toThrow(
        "Add EventEmitterModule.forRoot() from '@nestjs/event-emitter' to the application's imports.",
      );
    });

    it('stops bootstrap naming the package when @nestjs/event-emitter is not installed', async () => {
      moduleRef = await compile({ events: true }, {}, { eventEmitter: notInstalled });

      await expect(moduleRef.init()).rejects.toThrow(
        'The "events" option needs the package "@nestjs/event-emitter", which could not be ' +
          'loaded. Install it with `npm install @nestjs/event-emitter`.',
      );
    });
  });
});
