import type * as OpenTelemetryApi from '@opentelemetry/api';
import { CALL_OUTCOMES } from '../core/call-tally.js';
import type { Breaker, BreakerRegistry } from '../core/index.js';
import {
  BREAKER_STATES,
  CALL_DURATION_BUCKETS_SECONDS,
  callLabelsOf,
  forEachBreaker,
} from './call-outcomes.js';
import {
  validateOpenTelemetryOptions,
  type OpenTelemetryMetricsOptions,
} from './observability-options.js';
import { loadOptionalPeer, type PeerLoader } from './optional-peer.js';

/** The names of the OpenTelemetry instruments. */
export const OPENTELEMETRY_INSTRUMENT_NAMES = Object.freeze({
  state: 'circuit_breaker.state',
  calls: 'circuit_breaker.calls',
  callDuration: 'circuit_breaker.call.duration',
  transitions: 'circuit_breaker.transitions',
});

/** The name of the meter taken from the global meter provider when no meter is given. */
export const OPENTELEMETRY_METER_NAME = 'nestjs-breaker';

type OpenTelemetryModule = typeof OpenTelemetryApi;

/**
 * Records metrics about every breaker of `registry`, present and future, through
 * `@opentelemetry/api`, with the attributes `breaker`, `state`, `outcome`, `from` and `to`:
 *
 * - `circuit_breaker.state` (observable gauge): 1 for the current state, 0 for the others, read
 *   at each collection;
 * - `circuit_breaker.calls` (observable counter): outcomes `success`, `failure`, `ignored`,
 *   `rejected` and `timeout`, one per call, counted by the breaker and read at each collection;
 * - `circuit_breaker.call.duration` (histogram, seconds) of every call: attaching switches call
 *   timing on for every breaker, two clock reads per call, unless `callDurations` is `false`,
 *   which leaves this instrument out;
 * - `circuit_breaker.transitions` (counter).
 *
 * The observable instruments list only the breakers the registry holds. The SDK goes on reporting
 * an evicted breaker's last values, and the API cannot drop the attribute sets of the histogram
 * and the transitions counter, so the SDK's cardinality limit bounds those.
 *
 * @param registry the breakers to observe
 * @param options `true` for a meter of the global meter provider, or `{ meter, callDurations }`
 * @param load imports `@opentelemetry/api`; replaceable where the import must be done differently
 * @returns a function that stops the recording
 * @throws BreakerConfigError when an option is invalid, Error when `@opentelemetry/api` cannot be
 *   loaded
 */
export async function attachOpenTelemetryMetrics(
  registry: BreakerRegistry,
  options: boolean | OpenTelemetryMetricsOptions = true,
  load: PeerLoader = () => import('@opentelemetry/api'),
): Promise<() => void> {
  validateOpenTelemetryOptions(options);

  if (options === false) return () => {};

  const { meter: chosenMeter, callDurations = true } = options === true ? {} : options;
  let meter = chosenMeter as OpenTelemetryApi.Meter | undefined;

  if (meter === undefined) {
    const api = await loadOptionalPeer<OpenTelemetryModule>(
      load,
      '@opentelemetry/api',
      'The "metrics.openTelemetry" option',
    );

    meter = api.metrics.getMeter(OPENTELEMETRY_METER_NAME);
  }

  const state = meter.createObservableGauge(OPENTELEMETRY_INSTRUMENT_NAMES.state, {
    description: 'State of the circuit breaker: 1 for the current state, 0 for the others.',
  });
  const calls = meter.createObservableCounter(OPENTELEMETRY_INSTRUMENT_NAMES.calls, {
    description: 'Calls through the circuit breaker, by outcome.',
    unit: '{call}',
  });
  const callDuration = callDurations
    ? meter.createHistogram(OPENTELEMETRY_INSTRUMENT_NAMES.callDuration, {
        description: 'Duration of the calls the circuit breaker times, by outcome.',
        unit: 's',
        advice: { explicitBucketBoundaries: [...CALL_DURATION_BUCKETS_SECONDS] },
      })
    : undefined;
  const transitions = meter.createCounter(OPENTELEMETRY_INSTRUMENT_NAMES.transitions, {
    description: 'State transitions of the circuit breaker.',
    unit: '{transition}',
  });
  const observeStates: OpenTelemetryApi.ObservableCallback = (result) => {
    for (const breaker of registry) {
      const current = breaker.state;

      for (const each of BREAKER_STATES) {
        result.observe(each === current ? 1 : 0, { breaker: breaker.name, state: each });
      }
    }
  };

  // Each breaker counts its calls itself, and they are observed at each collection: a counter's
  // add() hashes its attributes on every call. An outcome shows once it has a call, as with add().
  const labelsOf = new Map<Breaker, ReturnType<typeof callLabelsOf>>();
  const observeCalls: OpenTelemetryApi.ObservableCallback = (result) => {
    for (const breaker of registry) {
      const { counts } = breaker.callTally();
      const labels = labelsOf.get(breaker) ?? callLabelsOf(breaker.name);

      for (const outcome of CALL_OUTCOMES) {
        if (counts[outcome] > 0) result.observe(counts[outcome], labels[outcome]);
      }
    }
  };

  state.addCallback(observeStates);
  calls.addCallback(observeCalls);

  const removers = [
    registry.on('state-change', ({ breaker, from, to }) =>
      transitions.add(1, { breaker, from, to }),
    ),
    forEachBreaker(registry, (breaker) => {
      const { name } = breaker;
      // The SDK still hashes the attributes of each recording; reusing them saves the allocation.
      const labels = callLabelsOf(name);

      labelsOf.set(breaker, labels);
      breaker.callTally();

      const stopTiming = callDuration
        ? breaker.observeDurations((outcome, durationMs) =>
            callDuration.record(durationMs / 1000, labels[outcome]),
          )
        : undefined;

      return () => {
        stopTiming?.();
        labelsOf.delete(breaker);
      };
    }),
  ];

  return () => {
    state.removeCallback(observeStates);
    calls.removeCallback(observeCalls);
    removers.forEach((remove) => remove());
  };
}
