import type { BreakerState, TransitionReason } from './breaker-state.js';

/** The counts of a breaker at one moment, as returned by `breaker.stats()`. */
export interface BreakerStats {
  name: string;
  state: BreakerState;
  /**
   * Outcomes of the calls made while closed or disabled since the circuit last closed, ignored
   * ones included; with a window, the successes and failures it holds. Half-open probes decide
   * their period and are not counted here.
   */
  calls: number;
  successes: number;
  failures: number;
  /** Ignored outcomes since the circuit last closed, window or not: no window holds them. */
  ignored: number;
  slowCalls: number;
  /** `failures / (successes + failures)`, 0 when nothing was judged. */
  failureRate: number;
  /** `slowCalls / (successes + failures)`, 0 when nothing was judged. */
  slowCallRate: number;
  consecutiveFailures: number;
  /** Calls rejected over the breaker's life. */
  rejected: number;
  inFlight: number;
  /** When the circuit last opened (clock milliseconds), `undefined` when it is not open. */
  openedAt: number | undefined;
  /** Milliseconds until probes are admitted, `undefined` when not applicable or unknown. */
  retryAfter: number | undefined;
}

/** The payload of `'state-change'` events. */
export interface StateChangeEvent {
  breaker: string;
  from: BreakerState;
  to: BreakerState;
  reason: TransitionReason;
  stats: BreakerStats;
}

/**
 * A breaker's state as plain JSON, from `breaker.toJSON()`; the `initialState` option restores it.
 */
export interface BreakerSnapshot {
  version: 1;
  state: BreakerState;
  /** Clock time the current state began. */
  since: number;
  /** Clock time an open period ends (open only). */
  openUntil?: number;
  /** Probes of the half-open period that have succeeded (half-open only). */
  probesSucceeded?: number;
  /**
   * Clock time the half-open period re-opens undecided (half-open only, once a probe was
   * admitted).
   */
  halfOpenDeadline?: number;
  /** Re-opens in a row after failed probes, driving the backoff. */
  reopenCount: number;
  consecutiveFailures: number;
  successes: number;
  failures: number;
  ignored: number;
  slowCalls: number;
  rejected: number;
  /** The rate window's contents. */
  window?: WindowSnapshot;
}

/** The contents of a rate window, for `toJSON()`. */
export type WindowSnapshot =
  | { kind: 'count'; outcomes: number[] }
  | {
      kind: 'time';
      /** The newest bucket (clock time divided by the bucket length), `null` before the first. */
      bucketIndex: number | null;
      counts: number[];
    };
