import { jest } from '@jest/globals';
import { Histogram, register, Registry } from 'prom-client';
import { BreakerConfigError, BreakerRegistry } from '../../lib/core/index.js';
import { attachPrometheusMetrics } from '../../lib/observability/index.js';
import { StatusError, TestClock } from '../core/test-clock.js';
import { fail, observedBreakers } from './observability-fixtures.js';

/** The sample lines of one metric in the registry's text exposition, in exposition order. */
async function series(registry: Registry, name: string): Promise<string[]> {
  const text = await registry.metrics();

  return text.split('\n').filter((line) => line.startsWith(name));
}

describe('attachPrometheusMetrics', () => {
  let clock: TestClock;
  let breakers: BreakerRegistry;
  let metrics: Registry;
  let detach: () => void;

  beforeEach(async () => {
    clock = new TestClock();
    breakers = observedBreakers(clock);
    metrics = new Registry();
    detach = await attachPrometheusMetrics(breakers, { registry: metrics });
  });

  afterEach(() => {
    detach();
    breakers.close();
  });

  describe('circuit_breaker_state', () => {
    it('shows 1 for the current state and 0 for the others', async () => {
      breakers.get('payments');

      expect(await series(metrics, 'circuit_breaker_state')).toEqual([
        'circuit_breaker_state{breaker="payments",state="closed"} 1',
        'circuit_breaker_state{breaker="payments",state="open"} 0',
        'circuit_breaker_state{breaker="payments",state="half-open"} 0',
        'circuit_breaker_state{breaker="payments",state="forced-open"} 0',
        'circuit_breaker_state{breaker="payments",state="disabled"} 0',
      ]);
    });

    it('shows half-open when scraped after the open period, with no call in between', async () => {
      const payments = breakers.get('payments');

      await payments.call(fail).catch(() => undefined);
      await payments.call(fail).catch(() => undefined);

      expect(await series(metrics, 'circuit_breaker_state')).toContain(
        'circuit_breaker_state{breaker="payments",state="open"} 1',
      );

      clock.advance(1_000);

      const lines = await series(metrics, 'circuit_breaker_state');

      expect(lines).toContain('circuit_breaker_state{breaker="payments",state="half-open"} 1');
      expect(lines).toContain('circuit_breaker_state{breaker="payments",state="open"} 0');
    });
  });

  describe('circuit_breaker_transitions_total', () => {
    it('counts every transition by breaker, origin and destination', async () => {
      const payments = breakers.get('payments');

      await payments.call(fail).catch(() => undefined);
      await payments.call(fail).catch(() => undefined);
      clock.advance(1_000);
      await payments.call(() => 'ok');
      payments.forceOpen();

      expect(await series(metrics, 'circuit_breaker_transitions_total')).toEqual([
        'circuit_breaker_transitions_total{breaker="payments",from="closed",to="open"} 1',
        'circuit_breaker_transitions_total{breaker="payments",from="open",to="half-open"} 1',
        'circuit_breaker_transitions_total{breaker="payments",from="half-open",to="closed"} 1',
        'circuit_breaker_transitions_total{breaker="payments",from="closed",to="forced-open"} 1',
      ]);
    });
  });

  describe('circuit_breaker_calls_total', () => {
    it('starts every outcome of a new breaker at 0', async () => {
      breakers.get('payments');

      expect(await series(metrics, 'circuit_breaker_calls_total')).toEqual([
        'circuit_breaker_calls_total{breaker="payments",outcome="success"} 0',
        'circuit_breaker_calls_total{breaker="payments",outcome="failure"} 0',
        'circuit_breaker_calls_total{breaker="payments",outcome="ignored"} 0',
        'circuit_breaker_calls_total{breaker="payments",outcome="rejected"} 0',
        'circuit_breaker_calls_total{breaker="payments",outcome="timeout"} 0',
      ]);
    });

    it('counts each call once under its outcome', async () => {
      const payments = breakers.get('payments');

      await payments.call(() => 'ok');
      await payments.call(() => Promise.reject(new StatusError(404))).catch(() => undefined);
      await payments.call(fail).catch(() => undefined);
      await payments.call(fail).catch(() => undefined);
      await payments.call(() => 'ok').catch(() => undefined);

      expect(await series(metrics, 'circuit_breaker_calls_total')).toEqual([
        'circuit_breaker_calls_total{breaker="payments",outcome="success"} 1',
        'circuit_breaker_calls_total{breaker="payments",outcome="failure"} 2',
        'circuit_breaker_calls_total{breaker="payments",outcome="ignored"} 1',
        'circuit_breaker_calls_total{breaker="payments",outcome="rejected"} 1',
        'circuit_breaker_calls_total{breaker="payments",outcome="timeout"} 0',
      ]);
    });

    it('counts a call past its callTimeout as a timeout, not also as a failure', async () => {
      jest.useFakeTimers();

      try {
        const slow = breakers.getOrCreate('slow', { callTimeout: 100 });
        const call = slow.call(() => new Promise(() => undefined)).catch(() => undefined);

        jest.advanceTimersByTime(100);
        await call;
      } finally {
        jest.useRealTimers();
      }

      const lines = await series(metrics, 'circuit_breaker_calls_total');

      expect(lines).toContain('circuit_breaker_calls_total{breaker="slow",outcome="timeout"} 1');
      expect(lines).toContain('circuit_breaker_calls_total{breaker="slow",outcome="failure"} 0');
    });
  });

  describe('circuit_breaker_call_duration_seconds', () => {
    it('records the duration of timed calls in seconds on the breaker clock', async () => {
      const search = breakers.get('search');

      await search.call(() => {
        clock.advance(250);

        return 'ok';
      });
      await search
        .call(() => {
          clock.advance(2_000);

          return Promise.reject(new Error('down'));
        })
        .catch(() => undefined);

      const lines = await series(metrics, 'circuit_breaker_call_duration_seconds');

      expect(lines.filter((line) => !line.includes('_bucket'))).toEqual([
        'circuit_breaker_call_duration_seconds_sum{breaker="search",outcome="success"} 0.25',
        'circuit_breaker_call_duration_seconds_count{breaker="search",outcome="success"} 1',
        'circuit_breaker_call_duration_seconds_sum{breaker="search",outcome="failure"} 2',
        'circuit_breaker_call_duration_seconds_count{breaker="search",outcome="failure"} 1',
      ]);
      expect(lines).toContain(
        'circuit_breaker_call_duration_seconds_bucket{le="0.1",breaker="search",outcome="success"} 0',
      );
      expect(lines).toContain(
        'circuit_breaker_call_duration_seconds_bucket{le="0.25",breaker="search",outcome="success"} 1',
      );
    });

    it('times the calls of breakers that have no slow-call rule', async () => {
      await breakers.get('payments').call(() => {
        clock.advance(500);

        return 'ok';
      });

      expect(await series(metrics, 'circuit_breaker_call_duration_seconds')).toContain(
        'circuit_breaker_call_duration_seconds_sum{breaker="payments",outcome="success"} 0.5',
      );
    });

    it('is left out, and the calls go untimed, with callDurations: false', async () => {
      const untimedBreakers = observedBreakers(clock);
      const untimed = new Registry();
      const detachUntimed = await attachPrometheusMetrics(untimedBreakers, {
        registry: untimed,
        callDurations: false,
      });

      try {
        const payments = untimedBreakers.get('payments');
        const readsBefore = clock.reads;

        await payments.call(() => 'ok');

        expect(clock.reads).toBe(readsBefore);
        expect(untimed.getSingleMetric('circuit_breaker_call_duration_seconds')).toBeUndefined();
        expect(await series(untimed, 'circuit_breaker_calls_total')).toContain(
          'circuit_breaker_calls_total{breaker="payments",outcome="success"} 1',
        );
      } finally {
        detachUntimed();
        untimedBreakers.close();
      }

      expect(untimed.getMetricsAsArray()).toEqual([]);
    });

    it("is exposed sample for sample as prom-client's own Histogram would expose it", async () => {
      const reference = new Registry();
      const histogram = new Histogram({
        name: 'circuit_breaker_call_duration_seconds',
        help: 'Duration of the calls the circuit breaker times, in seconds, by outcome.',
        labelNames: ['breaker', 'outcome'],
        registers: [reference],
      });
      const timedCall = async (
        name: string,
        durationMs: number,
        outcome: 'success' | 'failure',
      ) => {
        await breakers
          .get(name)
          .call(() => {
            clock.advance(durationMs);

            return outcome === 'success' ? 'ok' : Promise.reject(new Error('down'));
          })
          .catch(() => undefined);
        histogram.observe({ breaker: name, outcome }, durationMs / 1000);
      };

      for (const registry of [metrics, reference]) registry.setDefaultLabels({ region: 'eu' });

      await timedCall('search', 0, 'success');
      await timedCall('search', 5, 'failure');
      await timedCall('payments', 30, 'success');
      await timedCall('search', 12_000, 'failure');
      await timedCall('search', 7, 'success');

      const exposed = async (registry: Registry) => {
        const text = await registry.metrics();
        const json = await registry.getMetricsAsJSON();

        return {
          text: text
            .trim()
            .split('\n\n')
            .find((block) => block.includes('call_duration_seconds')),
          json: json.find((metric) => metric.name === 'circuit_breaker_call_duration_seconds'),
        };
      };

      expect(await exposed(metrics)).toStrictEqual(await exposed(reference));

      metrics.resetMetrics();
      reference.resetMetrics();

      expect(await exposed(metrics)).toStrictEqual(await exposed(reference));
    });
  });

  describe('bounded label sets', () => {
    it("removes an evicted breaker's series from every metric", async () => {
      const first = breakers.getOrCreate('user-1');

      await first.call(() => 'ok');
      first.forceOpen();
      first.reset();
      breakers.getOrCreate('user-2');

      const text = await metrics.metrics();

      expect(text).not.toContain('user-1');
      expect(text).toContain('circuit_breaker_calls_total{breaker="user-2",outcome="success"} 0');
    });

    it('keeps the series bounded while an open breaker holds the only place of the cap', async () => {
      breakers.getOrCreate('user-0').forceOpen();

      for (let user = 1; user <= 50; user++) {
        await breakers.getOrCreate(`user-${user}`).call(() => 'ok');
      }

      const calls = await series(metrics, 'circuit_breaker_calls_total{');
      const users = new Set(calls.map((line) => /breaker="(user-\d+)"/.exec(line)?.[1] ?? line));

      expect(users).toEqual(new Set(['user-0', 'user-50']));
      expect(calls).toContain('circuit_breaker_calls_total{breaker="user-50",outcome="success"} 1');
    });
  });

  describe('registration', () => {
    it('prepends the prefix to every metric name', async () => {
      const prefixed = new Registry();
      const detachPrefixed = await attachPrometheusMetrics(breakers, {
        registry: prefixed,
        prefix: 'shop_',
      });

      try {
        expect(
          prefixed
            .getMetricsAsArray()
            .map((metric) => metric.name)
            .sort(),
        ).toEqual([
          'shop_circuit_breaker_call_duration_seconds',
          'shop_circuit_breaker_calls_total',
          'shop_circuit_breaker_state',
          'shop_circuit_breaker_transitions_total',
        ]);
      } finally {
        detachPrefixed();
      }
    });

    it("uses prom-client's global registry with `true` and unregisters on detach", async () => {
      const detachGlobal = await attachPrometheusMetrics(breakers, true);

      expect(register.getSingleMetric('circuit_breaker_state')).toBeDefined();

      detachGlobal();

      expect(register.getSingleMetric('circuit_breaker_state')).toBeUndefined();
    });

    it('unregisters its metrics and stops timing calls once detached', async () => {
      const payments = breakers.get('payments');
      const durations: (number | undefined)[] = [];

      payments.on('success', ({ durationMs }) => durations.push(durationMs));
      await payments.call(() => 'ok');
      detach();
      await payments.call(() => 'ok');

      expect(durations).toEqual([expect.any(Number), undefined]);
      expect(metrics.getMetricsAsArray()).toEqual([]);
      await expect(metrics.metrics()).resolves.not.toContain('circuit_breaker');
      detach = () => {};
    });

    it('refuses a registry that already holds the metrics', async () => {
      await expect(attachPrometheusMetrics(breakers, { registry: metrics })).rejects.toThrow(
        'already holds a metric named "circuit_breaker_state"',
      );
    });

    it.each([
      [{ prefix: '1shop' }, 'metrics.prometheus.prefix'],
      [{ prefix: 42 }, 'metrics.prometheus.prefix'],
      [{ registry: {} }, 'metrics.prometheus.registry'],
      [{ label: 'x' }, 'metrics.prometheus.label'],
      [{ callDurations: 'no' }, 'metrics.prometheus.callDurations'],
      ['yes', 'metrics.prometheus'],
    ])('rejects %p naming %s', async (options, option) => {
      const attaching = attachPrometheusMetrics(breakers, options as never);

      await expect(attaching).rejects.toThrow(BreakerConfigError);
      await expect(attaching).rejects.toMatchObject({ option });
    });

    it('names the package to install when prom-client cannot be loaded', async () => {
      const missing = () => Promise.reject(new Error("Cannot find package 'prom-client'"));
      const attaching = attachPrometheusMetrics(breakers, true, missing);

      await expect(attaching).rejects.toThrow(
        'The "metrics.prometheus" option needs the package "prom-client", which could not be ' +
          'loaded. Install it with `npm install prom-client`.',
      );
    });
  });
});
