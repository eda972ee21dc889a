import type * as PromClient from 'prom-client';
import { CALL_OUTCOMES } from '../core/call-tally.js';
import type { BreakerRegistry } from '../core/index.js';
import { BREAKER_STATES, callLabelsOf, forEachBreaker } from './call-outcomes.js';
import {
  validatePrometheusOptions,
  type PrometheusMetricsOptions,
  type PrometheusRegistry,
} from './observability-options.js';
import { loadOptionalPeer, type PeerLoader } from './optional-peer.js';
import { PrometheusDurationHistogram } from './prometheus-duration-histogram.js';

/** The names of the Prometheus metrics, before the prefix. */
export const PROMETHEUS_METRIC_NAMES = Object.freeze({
  state: 'circuit_breaker_state',
  calls: 'circuit_breaker_calls_total',
  callDuration: 'circuit_breaker_call_duration_seconds',
  transitions: 'circuit_breaker_transitions_total',
});

type PromClientModule = typeof PromClient;

/**
 * Exports metrics about every breaker of `registry`, present and future, through `prom-client`:
 *
 * - `circuit_breaker_state{breaker,state}`: 1 for the current state, 0 for the others, read when
 *   scraped, so an open period that has ended shows as half-open even if no call came since;
 * - `circuit_breaker_calls_total{breaker,outcome}`: outcomes `success`, `failure`, `ignored`,
 *   `rejected` and `timeout`, one per call, counted by the breaker and read when scraped;
 * - `circuit_breaker_call_duration_seconds{breaker,outcome}`: a histogram of every call's
 *   duration; attaching switches call timing on for every breaker, two clock reads per call,
 *   unless `callDurations` is `false`, which leaves this metric out;
 * - `circuit_breaker_transitions_total{breaker,from,to}`.
 *
 * A breaker the registry evicts takes its series with it, so names from user input cannot grow
 * the series without end.
 *
 * @param registry the breakers to observe
 * @param options `true` for prom-client's global registry, or `{ registry, prefix, callDurations }`
 * @param load imports `prom-client`; replaceable where the import must be done differently
 * @returns a function that stops the updates and unregisters the metrics
 * @throws BreakerConfigError when an option is invalid, Error when `prom-client` cannot be
 *   loaded or the registry already holds one of the metrics
 *
 * @example
 * const detach = await attachPrometheusMetrics(breakers, { prefix: 'shop_' });
 */
export async function attachPrometheusMetrics(
  registry: BreakerRegistry,
  options: boolean | PrometheusMetricsOptions = true,
  load: PeerLoader = () => import('prom-client'),
): Promise<() => void> {
  validatePrometheusOptions(options);

  if (options === false) return () => {};

  const {
    registry: chosenRegistry,
    prefix = '',
    callDurations = true,
  } = options === true ? {} : options;
  const prom = await loadOptionalPeer<PromClientModule>(
    load,
    'prom-client',
    'The "metrics.prometheus" option',
  );
  const target = (chosenRegistry as PromClient.Registry | undefined) ?? prom.register;
  const names = {
    state: prefix + PROMETHEUS_METRIC_NAMES.state,
    calls: prefix + PROMETHEUS_METRIC_NAMES.calls,
    callDuration: prefix + PROMETHEUS_METRIC_NAMES.callDuration,
    transitions: prefix + PROMETHEUS_METRIC_NAMES.transitions,
  };
  const registered = Object.values(names).filter(
    (name) => callDurations || name !== names.callDuration,
  );

  for (const name of registered) {
    if (target.getSingleMetric(name) !== undefined) {
      throw new Error(
        `metrics.prometheus: the prom-client registry already holds a metric named "${name}". ` +
          'Give each breaker registry its own prom-client registry or prefix.',
      );
    }
  }

  new prom.Gauge({
    name: names.state,
    help: 'State of the circuit breaker: 1 for the current state, 0 for the others.',
    labelNames: ['breaker', 'state'],
    registers: [target],
    collect() {
      this.reset();

      for (const breaker of registry) {
        const current = breaker.state;

        for (const state of BREAKER_STATES) {
          this.set({ breaker: breaker.name, state }, state === current ? 1 : 0);
        }
      }
    },
  });

  // Each breaker counts its calls itself, and they are read when scraped: a labelled increment
  // validates and hashes its labels on every call.
  new prom.Counter({
    name: names.calls,
    help: 'Calls through the circuit breaker, by outcome.',
    labelNames: ['breaker', 'outcome'],
    registers: [target],
    collect() {
      this.reset();

      for (const breaker of registry) {
        const { counts } = breaker.callTally();

        for (const outcome of CALL_OUTCOMES) {
          this.inc({ breaker: breaker.name, outcome }, counts[outcome]);
        }
      }
    },
  });

  const callDuration = callDurations
    ? new PrometheusDurationHistogram(
        names.callDuration,
        'Duration of the calls the circuit breaker times, in seconds, by outcome.',
      )
    : undefined;

  if (callDuration !== undefined) (target as PrometheusRegistry).registerMetric(callDuration);

  const transitions = new prom.Counter({
    name: names.transitions,
    help: 'State transitions of the circuit breaker.',
    labelNames: ['breaker', 'from', 'to'],
    registers: [target],
  });

  const removers = [
    registry.on('state-change', ({ breaker, from, to }) => transitions.inc({ breaker, from, to })),
    // A breaker's counts start when it is followed, so every outcome shows from then on, at 0,
    // and rate() sees the first call. An evicted breaker takes its series with it.
    forEachBreaker(registry, (breaker) => {
      const { name } = breaker;
      const labels = callLabelsOf(name);

      breaker.callTally();

      const stopTiming = callDuration
        ? breaker.observeDurations((outcome, durationMs) =>
            callDuration.observe(labels[outcome], durationMs / 1000),
          )
        : undefined;

      return () => {
        stopTiming?.();
        callDuration?.remove(name);

        for (const from of BREAKER_STATES) {
          for (const to of BREAKER_STATES) transitions.remove({ breaker: name, from, to });
        }
      };
    }),
  ];

  return () => {
    removers.forEach((remove) => remove());
    registered.forEach((name) => target.removeSingleMetric(name));
  };
}
