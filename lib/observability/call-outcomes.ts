import type { BreakerRegistry, BreakerState, CallEvent } from '../core/index.js';

/** Every state a breaker can be in, in the order metrics list them. */
export const BREAKER_STATES: readonly BreakerState[] = [
  'closed',
  'open',
  'half-open',
  'forced-open',
  'disabled',
];

/**
 * How a call ended, as metrics label it. Each call has exactly one: a call that ran past its
 * `callTimeout` is a `timeout`, although the breaker counts it among its failures.
 */
export type CallOutcome = 'success' | 'failure' | 'ignored' | 'rejected' | 'timeout';

/** Every call outcome, in the order metrics list them. */
export const CALL_OUTCOMES: readonly CallOutcome[] = [
  'success',
  'failure',
  'ignored',
  'rejected',
  'timeout',
];

/**
 * Upper bounds of the call duration histograms' buckets, in seconds: those of `prom-client`'s
 * default histogram, also advised to OpenTelemetry.
 */
export const CALL_DURATION_BUCKETS_SECONDS: readonly number[] = Object.freeze([
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
]);

/** Receives one ended call: its breaker, its outcome and, when measured, its duration. */
export type CallOutcomeListener = (
  breaker: string,
  outcome: CallOutcome,
  durationMs: number | undefined,
) => void;

/**
 * Reports every call of every breaker of `registry` once, with the outcome metrics label it with.
 * A breaker announces a timeout with a `'timeout'` event right before the `'failure'` it counts
 * it as, so that failure is reported as a `timeout` instead. With `timed`, switches call timing on
 * for every breaker, so that each report carries the call's duration; without it, a report
 * carries one only when the breaker times its calls anyway.
 *
 * @returns a function that stops the reports
 */
export function onCallOutcome(
  registry: BreakerRegistry,
  listener: CallOutcomeListener,
  timed: boolean,
): () => void {
  const timingOut = new Set<string>();
  const report = (outcome: CallOutcome) => (event: CallEvent) => {
    listener(event.breaker, outcome, event.durationMs);
  };
  const removers: (() => void)[] = [];

  // Durations are measured only when something reads them.
  if (timed) {
    for (const breaker of registry) breaker.measureCallTimes();

    removers.push(registry.on('created', (breaker) => breaker.measureCallTimes()));
  }

  removers.push(
    registry.on('success', report('success')),
    registry.on('ignored', report('ignored')),
    registry.on('rejected', report('rejected')),
    registry.on('timeout', (event) => {
      timingOut.add(event.breaker);
    }),
    registry.on('failure', (event) => {
      const timedOut = timingOut.delete(event.breaker);

      listener(event.breaker, timedOut ? 'timeout' : 'failure', event.durationMs);
    }),
  );

  return () => removers.forEach((remove) => remove());
}
