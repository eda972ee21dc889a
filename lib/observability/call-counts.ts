import { CALL_OUTCOMES, type CallOutcome } from './call-outcomes.js';

/** The labels of one series of calls: the breaker and the outcome. */
export type CallLabels = Readonly<{ breaker: string; outcome: CallOutcome }>;

/** The calls of one breaker, by outcome. */
export interface BreakerCallCounts {
  /** Calls per outcome, in the order of `CALL_OUTCOMES`. */
  readonly counts: number[];
  /** The labels of each outcome's series, in the order of `CALL_OUTCOMES`, made once. */
  readonly labels: readonly CallLabels[];
}

const OUTCOME_INDEX = Object.fromEntries(
  CALL_OUTCOMES.map((outcome, index) => [outcome, index]),
) as Record<CallOutcome, number>;

/**
 * Counts the calls of every breaker by outcome in plain arrays, for metrics that hand the counts
 * over when collected: a labelled increment in a metrics library hashes its labels on every call.
 * The labels of each series are made once, so that what is recorded per call can reuse them.
 */
export class CallCounts implements Iterable<BreakerCallCounts> {
  private readonly byBreaker = new Map<string, BreakerCallCounts>();

  /** Returns the counts of `breaker`, every outcome starting at 0 the first time. */
  of(breaker: string): BreakerCallCounts {
    let found = this.byBreaker.get(breaker);

    if (found === undefined) {
      found = {
        counts: CALL_OUTCOMES.map(() => 0),
        labels: CALL_OUTCOMES.map((outcome) => Object.freeze({ breaker, outcome })),
      };
      this.byBreaker.set(breaker, found);
    }

    return found;
  }

  /**
   * Counts one call of `breaker` that ended with `outcome`.
   *
   * @returns the labels of the call's series
   */
  count(breaker: string, outcome: CallOutcome): CallLabels {
    const { counts, labels } = this.of(breaker);
    const index = OUTCOME_INDEX[outcome];

    counts[index]++;

    return labels[index];
  }

  /** Forgets the counts of `breaker`. */
  delete(breaker: string): void {
    this.byBreaker.delete(breaker);
  }

  /** Lists the counts of every breaker, in the order they were first counted. */
  [Symbol.iterator](): Iterator<BreakerCallCounts> {
    return this.byBreaker.values();
  }
}
