import type * as OpenTelemetryApi from '@opentelemetry/api';
import type { BreakerRegistry } from '../core/index.js';
import { CallCounts } from './call-counts.js';
import { BREAKER_STATES, CALL_DURATION_BUCKETS_SECONDS, onCallOutcome } from './call-outcomes.js';
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
 *   `rejected` and `timeout`, one per call, read at each collection;
 * - `circuit_breaker.call.duration` (histogram, seconds) of every call: attaching switches call
 *   timing on for every breaker, two clock reads per call, unless `callDurations` is `false`,
 *   which leaves this instrument out;
 * - `circuit_breaker.transitions` (counter).
 *
 * The state gauge lists only the breakers the registry holds; the API cannot drop the counters'
 * attribute sets of an evicted breaker, so the SDK's cardinality limit bounds those.
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

  // Calls are counted in plain arrays and observed at each collection: a counter's add() hashes
  // its attributes on every call. An outcome shows once it has a call, as it would with add().
  const callCounts = new CallCounts();
  const observeCalls: OpenTelemetryApi.ObservableCallback = (result) => {
    for (const { counts, labels } of callCounts) {
      counts.forEach((count, index) => {
        if (count > 0) result.observe(count, labels[index]);
      });
    }
  };

  state.addCallback(observeStates);
  calls.addCallback(observeCalls);

  const removers = [
    // The SDK keeps reporting a series it no longer observes at its last value.
    registry.on('evicted', ({ name }) => callCounts.delete(name)),
    registry.on('state-change', ({ breaker, from, to }) =>
      transitions.add(1, { breaker, from, to }),
    ),
    onCallOutcome(
      registry,
      (breaker, outcome, durationMs) => {
        // The SDK still hashes the attributes of each recording; reusing them saves the allocation.
        const labels = callCounts.count(breaker, outcome);

        if (durationMs !== undefined) callDuration?.record(durationMs / 1000, labels);
      },
      callDurations,
    ),
  ];

  return () => {
    state.removeCallback(observeStates);
    calls.removeCallback(observeCalls);
    removers.forEach((remove) => remove());
  };
}
