/**
 * How a call ended, as metrics label it. Each counted call has exactly one: a call that ran past
 * its `callTimeout` is a `timeout`, although the breaker counts it among its failures.
 */
export type CallOutcome = 'success' | 'failure' | 'ignored' | 'rejected' | 'timeout';

/** Every call outcome, in the order metrics list them. */
export const CALL_OUTCOMES: readonly CallOutcome[] = Object.freeze([
  'success',
  'failure',
  'ignored',
  'rejected',
  'timeout',
]);

/** Receives the outcome and duration of one timed call. */
export type DurationObserver = (outcome: CallOutcome, durationMs: number) => void;

/**
 * The calls a breaker counted, by outcome, from the moment metrics first asked, for metrics that
 * read the counts when they are collected: a few increments per call, where an event per call
 * would cost an allocation and a dispatch. Hands the duration of each timed call to its observers.
 */
export class CallTally {
  /** Calls per outcome; each counted call adds to exactly one. */
  readonly counts: Record<CallOutcome, number> = {
    success: 0,
    failure: 0,
    ignored: 0,
    rejected: 0,
    timeout: 0,
  };

  /** Receivers of each timed call's duration; while there is one, the breaker times its calls. */
  observers: readonly DurationObserver[] = [];

  /** Counts one call and hands its duration, when measured, to the observers. */
  count(outcome: CallOutcome, durationMs: number | undefined): void {
    this.counts[outcome]++;

    if (durationMs === undefined) return;

    for (const observer of this.observers) observer(outcome, durationMs);
  }
}
