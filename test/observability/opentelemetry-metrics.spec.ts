import { jest } from '@jest/globals';
import { metrics as otelMetrics } from '@opentelemetry/api';
import {
  MeterProvider,
  MetricReader,
  type DataPoint,
  type Histogram,
  type MetricData,
} from '@opentelemetry/sdk-metrics';
import { BreakerConfigError, BreakerRegistry } from '../../lib/core/index.js';
import { attachOpenTelemetryMetrics } from '../../lib/observability/index.js';
import { StatusError, TestClock } from '../core/test-clock.js';
import { fail, observedBreakers } from './observability-fixtures.js';

/** A reader that collects only when a test asks. */
class OnDemandReader extends MetricReader {
  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }

  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }

  /** Collects and returns every metric by instrument name. */
  async read(): Promise<Map<string, MetricData>> {
    const { resourceMetrics } = await this.collect();
    const found = new Map<string, MetricData>();

    for (const scope of resourceMetrics.scopeMetrics) {
      for (const metric of scope.metrics) found.set(metric.descriptor.name, metric);
    }

    return found;
  }
}

/** The data points of one instrument, as `attributes → value` lines, sorted. */
function points(metric: MetricData | undefined): string[] {
  const dataPoints = (metric?.dataPoints ?? []) as DataPoint<unknown>[];

  return dataPoints
    .map(({ attributes, value }) => {
      const labels = Object.entries(attributes)
        .map(([key, each]) => `${key}=${String(each)}`)
        .join(',');
      const shown =
        typeof value === 'number'
          ? value
          : `sum ${(value as Histogram).sum} count ${(value as Histogram).count}`;

      return `${labels} ${shown}`;
    })
    .sort();
}

describe('attachOpenTelemetryMetrics', () => {
  let clock: TestClock;
  let breakers: BreakerRegistry;
  let reader: OnDemandReader;
  let provider: MeterProvider;
  let detach: () => void;

  beforeEach(async () => {
    clock = new TestClock();
    breakers = observedBreakers(clock);
    reader = new OnDemandReader();
    provider = new MeterProvider({ readers: [reader] });
    detach = await attachOpenTelemetryMetrics(breakers, { meter: provider.getMeter('test') });
  });

  afterEach(async () => {
    detach();
    breakers.close();
    await provider.shutdown();
  });

  it('observes 1 for the current state and 0 for the others at each collection', async () => {
    const payments = breakers.get('payments');

    await payments.call(fail).catch(() => undefined);
    await payments.call(fail).catch(() => undefined);
    clock.advance(1_000);

    expect(points((await reader.read()).get('circuit_breaker.state'))).toEqual([
      'breaker=payments,state=closed 0',
      'breaker=payments,state=disabled 0',
      'breaker=payments,state=forced-open 0',
      'breaker=payments,state=half-open 1',
      'breaker=payments,state=open 0',
    ]);
  });

  it('counts each call once under its outcome, a timeout as a timeout', async () => {
    const payments = breakers.get('payments');
    const slow = breakers.getOrCreate('slow', { callTimeout: 100 });

    await payments.call(() => 'ok');
    await payments.call(() => Promise.reject(new StatusError(404))).catch(() => undefined);
    await payments.call(fail).catch(() => undefined);
    await payments.call(fail).catch(() => undefined);
    await payments.call(() => 'ok').catch(() => undefined);

    jest.useFakeTimers();

    try {
      const call = slow.call(() => new Promise(() => undefined)).catch(() => undefined);

      jest.advanceTimersByTime(100);
      await call;
    } finally {
      jest.useRealTimers();
    }

    const calls = (await reader.read()).get('circuit_breaker.calls');

    expect(calls?.descriptor.unit).toBe('{call}');
    expect(points(calls)).toEqual([
      'breaker=payments,outcome=failure 2',
      'breaker=payments,outcome=ignored 1',
      'breaker=payments,outcome=rejected 1',
      'breaker=payments,outcome=success 1',
      'breaker=slow,outcome=timeout 1',
    ]);
  });

  it('reports the calls counted so far at each collection', async () => {
    const payments = breakers.get('payments');

    await payments.call(() => 'ok');

    expect(points((await reader.read()).get('circuit_breaker.calls'))).toEqual([
      'breaker=payments,outcome=success 1',
    ]);

    await payments.call(() => 'ok');
    await payments.call(fail).catch(() => undefined);

    expect(points((await reader.read()).get('circuit_breaker.calls'))).toEqual([
      'breaker=payments,outcome=failure 1',
      'breaker=payments,outcome=success 2',
    ]);
  });

  it("keeps reporting an evicted breaker's calls at their last count", async () => {
    await breakers.getOrCreate('user-1').call(() => 'ok');
    await reader.read();
    await breakers.getOrCreate('user-2').call(() => 'ok');

    expect(breakers.has('user-1')).toBe(false);
    expect(points((await reader.read()).get('circuit_breaker.calls'))).toEqual([
      'breaker=user-1,outcome=success 1',
      'breaker=user-2,outcome=success 1',
    ]);
  });

  it("keeps the series of breakers from user input within the SDK's cardinality limit", async () => {
    const limitedReader = new OnDemandReader({ cardinalitySelector: () => 10 });
    const limitedProvider = new MeterProvider({ readers: [limitedReader] });
    const detachLimited = await attachOpenTelemetryMetrics(breakers, {
      meter: limitedProvider.getMeter('limited'),
    });

    try {
      for (let user = 1; user <= 50; user++) {
        await breakers.getOrCreate(`user-${user}`).call(() => 'ok');
        await limitedReader.read();
      }

      const calls = points((await limitedReader.read()).get('circuit_breaker.calls'));

      // The SDK keeps the series of evicted breakers; past its limit, new ones share one series.
      expect(calls).toHaveLength(10);
      expect(calls).toContain('otel.metric.overflow=true 1');
    } finally {
      detachLimited();
      await limitedProvider.shutdown();
    }
  });

  it('records the duration of timed calls in seconds', async () => {
    await breakers.get('search').call(() => {
      clock.advance(250);

      return 'ok';
    });

    const duration = (await reader.read()).get('circuit_breaker.call.duration');
    const [point] = (duration?.dataPoints ?? []) as DataPoint<Histogram>[];

    expect(duration?.descriptor.unit).toBe('s');
    expect(points(duration)).toEqual(['breaker=search,outcome=success sum 0.25 count 1']);
    expect(point.value.buckets.boundaries).toEqual([
      0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
    ]);
  });

  it('leaves the duration out, and the calls untimed, with callDurations: false', async () => {
    const untimedBreakers = observedBreakers(clock);
    const untimedReader = new OnDemandReader();
    const untimedProvider = new MeterProvider({ readers: [untimedReader] });
    const detachUntimed = await attachOpenTelemetryMetrics(untimedBreakers, {
      meter: untimedProvider.getMeter('test'),
      callDurations: false,
    });

    try {
      const payments = untimedBreakers.get('payments');
      const readsBefore = clock.reads;

      await payments.call(() => 'ok');

      expect(clock.reads).toBe(readsBefore);

      const collected = await untimedReader.read();

      expect(collected.has('circuit_breaker.call.duration')).toBe(false);
      expect(points(collected.get('circuit_breaker.calls'))).toEqual([
        'breaker=payments,outcome=success 1',
      ]);
    } finally {
      detachUntimed();
      untimedBreakers.close();
      await untimedProvider.shutdown();
    }
  });

  it('counts every transition by origin and destination', async () => {
    const payments = breakers.get('payments');

    await payments.call(fail).catch(() => undefined);
    await payments.call(fail).catch(() => undefined);
    payments.reset();

    expect(points((await reader.read()).get('circuit_breaker.transitions'))).toEqual([
      'breaker=payments,from=closed,to=open 1',
      'breaker=payments,from=open,to=closed 1',
    ]);
  });

  it('stops observing and counting once detached', async () => {
    const payments = breakers.get('payments');

    detach();
    await payments.call(fail).catch(() => undefined);

    const read = await reader.read();

    expect(points(read.get('circuit_breaker.state'))).toEqual([]);
    expect(points(read.get('circuit_breaker.calls'))).toEqual([]);
  });

  it('uses a meter of the global meter provider with `true`', async () => {
    const globalReader = new OnDemandReader();
    const globalProvider = new MeterProvider({ readers: [globalReader] });

    otelMetrics.setGlobalMeterProvider(globalProvider);

    try {
      const detachGlobal = await attachOpenTelemetryMetrics(breakers, true);

      await breakers.get('payments').call(() => 'ok');
      detachGlobal();

      const { resourceMetrics } = await globalReader.collect();

      expect(resourceMetrics.scopeMetrics.map((scope) => scope.scope.name)).toEqual([
        'nestjs-breaker',
      ]);
    } finally {
      otelMetrics.disable();
      await globalProvider.shutdown();
    }
  });

  it.each([
    [{ meter: {} }, 'metrics.openTelemetry.meter'],
    [
      { meter: { createCounter() {}, createHistogram() {}, createObservableGauge() {} } },
      'metrics.openTelemetry.meter',
    ],
    [{ provider: {} }, 'metrics.openTelemetry.provider'],
    [{ callDurations: 0 }, 'metrics.openTelemetry.callDurations'],
    [1, 'metrics.openTelemetry'],
  ])('rejects %p naming %s', async (options, option) => {
    const attaching = attachOpenTelemetryMetrics(breakers, options as never);

    await expect(attaching).rejects.toThrow(BreakerConfigError);
    await expect(attaching).rejects.toMatchObject({ option });
  });

  it('names the package to install when @opentelemetry/api cannot be loaded', async () => {
    const missing = () => Promise.reject(new Error("Cannot find package '@opentelemetry/api'"));

    await expect(attachOpenTelemetryMetrics(breakers, true, missing)).rejects.toThrow(
      'The "metrics.openTelemetry" option needs the package "@opentelemetry/api", which could ' +
        'not be loaded. Install it with `npm install @opentelemetry/api`.',
    );
  });
});
