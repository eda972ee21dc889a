import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { Registry } from 'prom-client';

import {
  BreakerRegistry,
  attachOpenTelemetryMetrics,
  attachPrometheusMetrics,
} from '../../dist/index.js';
import {
  check,
  measure,
  perRound,
  resolvingDependency,
  sequential,
  timingResult,
} from '../harness.js';

const GOAL_RATIO = 1.3;

/** A reader collected on demand, as a Prometheus scrape would: no timer, no export. */
class PullReader extends MetricReader {
  async onForceFlush() {}

  async onShutdown() {}
}

/**
 * A closed breaker from a registry with metrics attached, against a breaker from a registry
 * without them, in front of a function that resolves at once. More subjects split the cost: call
 * timing alone with a duration observer that does nothing (on `Date.now` and on a clock that
 * costs nothing), a `'success'` listener alone, for comparison with counting through events, and
 * both exporters with `callDurations: false`, which time no call.
 */
export default {
  id: 'metrics-overhead',
  title: 'closed, success, metrics attached (Prometheus, OpenTelemetry)',
  goal: `with metrics <= ${GOAL_RATIO} x without`,

  /** @param {import('../harness.js').PROFILES['full']} profile */
  async run(profile) {
    const { counter, dependency } = resolvingDependency();
    const breakerOf = (registry) => registry.getOrCreate('bench');
    const plain = breakerOf(new BreakerRegistry());
    const timed = breakerOf(new BreakerRegistry());
    // Timed like the others, on a clock that costs nothing: what is left is the timed call path.
    const timedFreeClock = breakerOf(new BreakerRegistry({ defaults: { clock: () => 0 } }));
    const eventsRegistry = new BreakerRegistry();
    const prometheusRegistry = new BreakerRegistry();
    const openTelemetryRegistry = new BreakerRegistry();
    const untimedPrometheusRegistry = new BreakerRegistry();
    const untimedOpenTelemetryRegistry = new BreakerRegistry();
    const promRegistry = new Registry();
    const untimedPromRegistry = new Registry();
    const reader = new PullReader();
    const untimedReader = new PullReader();
    const meterProvider = new MeterProvider({ readers: [reader] });
    const untimedMeterProvider = new MeterProvider({ readers: [untimedReader] });
    const events = { success: 0 };
    const observed = { calls: 0 };
    const observe = () => observed.calls++;

    const detachers = [
      timed.observeDurations(observe),
      timedFreeClock.observeDurations(observe),
      eventsRegistry.on('success', () => events.success++),
      await attachPrometheusMetrics(prometheusRegistry, { registry: promRegistry }),
      await attachOpenTelemetryMetrics(openTelemetryRegistry, {
        meter: meterProvider.getMeter('bench'),
      }),
      await attachPrometheusMetrics(untimedPrometheusRegistry, {
        registry: untimedPromRegistry,
        callDurations: false,
      }),
      await attachOpenTelemetryMetrics(untimedOpenTelemetryRegistry, {
        meter: untimedMeterProvider.getMeter('bench'),
        callDurations: false,
      }),
    ];
    const withEvents = breakerOf(eventsRegistry);
    const withPrometheus = breakerOf(prometheusRegistry);
    const withOpenTelemetry = breakerOf(openTelemetryRegistry);
    const withUntimedPrometheus = breakerOf(untimedPrometheusRegistry);
    const withUntimedOpenTelemetry = breakerOf(untimedOpenTelemetryRegistry);

    try {
      const results = await measure(
        [
          sequential('bare', counter, dependency),
          sequential('without', counter, () => plain.call(dependency)),
          sequential('timing', counter, () => timed.call(dependency)),
          sequential('timingFreeClock', counter, () => timedFreeClock.call(dependency)),
          sequential('events', counter, () => withEvents.call(dependency)),
          sequential('prometheus', counter, () => withPrometheus.call(dependency)),
          sequential('openTelemetry', counter, () => withOpenTelemetry.call(dependency)),
          sequential('prometheusUntimed', counter, () => withUntimedPrometheus.call(dependency)),
          sequential('openTelemetryUntimed', counter, () =>
            withUntimedOpenTelemetry.call(dependency),
          ),
        ],
        profile,
      );

      check(
        events.success === withEvents.stats().successes,
        'events: a success was not dispatched',
      );
      check(
        observed.calls === timed.stats().successes + timedFreeClock.stats().successes,
        'timing: a duration was not observed',
      );
      await expectPrometheusCalls(promRegistry, withPrometheus.stats().successes);
      await expectOpenTelemetryCalls(reader, withOpenTelemetry.stats().successes);
      await expectPrometheusCalls(untimedPromRegistry, withUntimedPrometheus.stats().successes);
      await expectOpenTelemetryCalls(untimedReader, withUntimedOpenTelemetry.stats().successes);

      const versus = (name) => perRound(results, (ns) => ns[name] / ns.without);
      const ratios = {
        'prometheus/without': versus('prometheus'),
        'openTelemetry/without': versus('openTelemetry'),
        'timing/without': versus('timing'),
        'timing on a free clock/without': versus('timingFreeClock'),
        'events/without': versus('events'),
        'prometheus, callDurations false/without': versus('prometheusUntimed'),
        'openTelemetry, callDurations false/without': versus('openTelemetryUntimed'),
      };
      const result = timingResult(results, {
        ratios,
        met:
          ratios['prometheus/without'] <= GOAL_RATIO &&
          ratios['openTelemetry/without'] <= GOAL_RATIO,
      });
      const ns = result.values;
      const round = (name) => Math.round(ns[name]);

      return {
        ...result,
        values: { ...ns, ours: Math.max(ns.prometheus, ns.openTelemetry) },
        notes:
          `ours: worse of Prometheus ${round('prometheus')} and OpenTelemetry ` +
          `${round('openTelemetry')} ns; without metrics ${round('without')}, timing only ` +
          `${round('timing')} (${round('timingFreeClock')} on a free clock), a success listener ${round('events')}; with callDurations: false, Prometheus ${round('prometheusUntimed')} and OpenTelemetry ${round('openTelemetryUntimed')}`,
      };
    } finally {
      detachers.forEach((detach) => detach());
      await meterProvider.shutdown();
      await untimedMeterProvider.shutdown();
    }
  },
};

/**
 * Checks that the Prometheus call counter holds `successes` successful calls.
 * @param {Registry} registry
 * @param {number} successes
 */
async function expectPrometheusCalls(registry, successes) {
  const metrics = await registry.getMetricsAsJSON();
  const calls = metrics.find((metric) => metric.name === 'circuit_breaker_calls_total');
  const counted = calls?.values.find((value) => value.labels.outcome === 'success')?.value;

  check(counted === successes, `prometheus: ${counted} of ${successes} successes counted`);
}

/**
 * Checks that the OpenTelemetry call counter holds `successes` successful calls.
 * @param {MetricReader} reader
 * @param {number} successes
 */
async function expectOpenTelemetryCalls(reader, successes) {
  const { resourceMetrics } = await reader.collect();
  const metrics = resourceMetrics.scopeMetrics.flatMap((scope) => scope.metrics);
  const calls = metrics.find((metric) => metric.descriptor.name === 'circuit_breaker.calls');
  const counted = calls?.dataPoints.find((point) => point.attributes.outcome === 'success')?.value;

  check(counted === successes, `openTelemetry: ${counted} of ${successes} successes counted`);
}
