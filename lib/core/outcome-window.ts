import type { WindowOptions } from './breaker-options.js';
import type { WindowSnapshot } from './breaker-snapshot.js';
import { BreakerConfigError } from './errors.js';

/** Totals of the outcomes a window holds. */
export interface WindowTotals {
  /** Successes plus failures: the outcomes the rates are judged on. */
  calls: number;
  failures: number;
  slowCalls: number;
}

/**
 * Keeps recent success and failure outcomes with O(1) recording and reading, and memory that does
 * not depend on how many calls were made.
 */
export interface OutcomeWindow {
  /** Adds one outcome recorded at clock time `now`. */
  record(failed: boolean, slow: boolean, now: number): void;
  /** Returns the totals as of clock time `now`. */
  totals(now: number): WindowTotals;
  clear(): void;
  toJSON(): WindowSnapshot;
  /**
   * Replaces the contents with those of a snapshot from a window of the same kind and size.
   * @throws BreakerConfigError naming the part of `initialState.window` that does not fit
   */
  restore(snapshot: WindowSnapshot): void;
}

const SNAPSHOT_PATH = 'initialState.window';

const FAILED = 1;
const SLOW = 2;

/** Keeps the outcomes of the last `size` calls in a ring. */
export class CountWindow implements OutcomeWindow {
  private readonly ring: Uint8Array;
  private next = 0;
  private filled = 0;
  private failures = 0;
  private slowCalls = 0;

  constructor(private readonly size: number) {
    this.ring = new Uint8Array(size);
  }

  record(failed: boolean, slow: boolean): void {
    const outcome = (failed ? FAILED : 0) | (slow ? SLOW : 0);

    if (this.filled === this.size) {
      this.subtract(this.ring[this.next]);
    } else {
      this.filled++;
    }

    this.ring[this.next] = outcome;
    this.failures += outcome & FAILED;
    this.slowCalls += (outcome & SLOW) >> 1;
    this.next = this.next + 1 === this.size ? 0 : this.next + 1;
  }

  totals(): WindowTotals {
    return { calls: this.filled, failures: this.failures, slowCalls: this.slowCalls };
  }

  clear(): void {
    this.ring.fill(0);
    this.next = 0;
    this.filled = 0;
    this.failures = 0;
    this.slowCalls = 0;
  }

  toJSON(): WindowSnapshot {
    const outcomes: number[] = [];

    for (let age = this.filled; age > 0; age--) {
      outcomes.push(this.ring[(this.next - age + this.size) % this.size]);
    }

    return { kind: 'count', outcomes };
  }

  restore(snapshot: WindowSnapshot): void {
    const outcomes = snapshot.kind === 'count' ? snapshot.outcomes : undefined;

    if (!Array.isArray(outcomes) || outcomes.length > this.size) {
      throw new BreakerConfigError(
        SNAPSHOT_PATH,
        snapshot,
        `expected the contents of a count window of ${this.size} outcomes`,
      );
    }

    const invalid = outcomes.findIndex((outcome) => !isCountIn(outcome, FAILED | SLOW));

    if (invalid !== -1) {
      throw new BreakerConfigError(
        `${SNAPSHOT_PATH}.outcomes`,
        outcomes[invalid],
        `expected integers from 0 to ${FAILED | SLOW}`,
      );
    }

    this.clear();

    for (const outcome of outcomes) this.record((outcome & FAILED) !== 0, (outcome & SLOW) !== 0);
  }

  private subtract(outcome: number): void {
    this.failures -= outcome & FAILED;
    this.slowCalls -= (outcome & SLOW) >> 1;
  }
}

/**
 * Keeps the outcomes of the last `duration` milliseconds in a ring of buckets. Each bucket covers
 * `duration / buckets` milliseconds; when time moves past a bucket its counts are subtracted from
 * the totals, so a read after any idle gap sees only outcomes inside the window.
 */
export class TimeWindow implements OutcomeWindow {
  /** Per bucket: calls, failures, slow calls, laid out flat. */
  private readonly counts: number[];
  private readonly bucketMs: number;
  /** Absolute index (`floor(time / bucketMs)`) of the newest bucket. */
  private bucketIndex = -Infinity;
  /** Where the newest bucket's counts start in `counts`. */
  private newestSlot = 0;
  private calls = 0;
  private failures = 0;
  private slowCalls = 0;

  constructor(
    duration: number,
    private readonly buckets: number,
  ) {
    this.bucketMs = duration / buckets;
    // Built element by element so the array is packed, not holey.
    this.counts = Array.from({ length: buckets * 3 }, () => 0);
  }

  record(failed: boolean, slow: boolean, now: number): void {
    this.advance(now);

    const slot = this.newestSlot;

    this.counts[slot]++;
    this.calls++;

    if (failed) {
      this.counts[slot + 1]++;
      this.failures++;
    }

    if (slow) {
      this.counts[slot + 2]++;
      this.slowCalls++;
    }
  }

  totals(now: number): WindowTotals {
    this.advance(now);

    return { calls: this.calls, failures: this.failures, slowCalls: this.slowCalls };
  }

  clear(): void {
    this.counts.fill(0);
    this.calls = 0;
    this.failures = 0;
    this.slowCalls = 0;
  }

  toJSON(): WindowSnapshot {
    // JSON has no -Infinity: a window that never recorded has no newest bucket.
    const bucketIndex = Number.isFinite(this.bucketIndex) ? this.bucketIndex : null;

    return { kind: 'time', bucketIndex, counts: this.counts.slice() };
  }

  restore(snapshot: WindowSnapshot): void {
    const counts = snapshot.kind === 'time' ? snapshot.counts : undefined;

    if (!Array.isArray(counts) || counts.length !== this.counts.length) {
      throw new BreakerConfigError(
        SNAPSHOT_PATH,
        snapshot,
        `expected the contents of a time window of ${this.buckets} buckets`,
      );
    }

    const { bucketIndex } = snapshot as WindowSnapshot & { kind: 'time' };

    if (bucketIndex !== null && !Number.isInteger(bucketIndex)) {
      throw new BreakerConfigError(
        `${SNAPSHOT_PATH}.bucketIndex`,
        bucketIndex,
        'expected an integer, or null for a window that never recorded',
      );
    }

    for (let slot = 0; slot < counts.length; slot += 3) {
      const [calls, failures, slowCalls] = counts.slice(slot, slot + 3);
      const fits =
        isCountIn(calls, bucketIndex === null ? 0 : Infinity) &&
        isCountIn(failures, calls) &&
        isCountIn(slowCalls, calls);

      if (!fits) {
        throw new BreakerConfigError(
          `${SNAPSHOT_PATH}.counts`,
          counts.slice(slot, slot + 3),
          'expected per bucket calls, failures and slow calls: integers >= 0, none above calls',
        );
      }
    }

    this.clear();

    if (bucketIndex === null) return;

    this.bucketIndex = bucketIndex;
    this.newestSlot = this.slotOf(bucketIndex);

    for (let slot = 0; slot < this.counts.length; slot += 3) {
      this.counts[slot] = counts[slot];
      this.counts[slot + 1] = counts[slot + 1];
      this.counts[slot + 2] = counts[slot + 2];
      this.calls += counts[slot];
      this.failures += counts[slot + 1];
      this.slowCalls += counts[slot + 2];
    }
  }

  /** Moves the newest bucket to the one covering `now`, dropping the buckets that fell out. */
  private advance(now: number): void {
    const index = Math.floor(now / this.bucketMs);

    if (index <= this.bucketIndex) return;

    if (index - this.bucketIndex >= this.buckets) {
      this.clear();
    } else {
      for (let expired = this.bucketIndex + 1; expired <= index; expired++) {
        this.evict(this.slotOf(expired));
      }
    }

    this.bucketIndex = index;
    this.newestSlot = this.slotOf(index);
  }

  private slotOf(bucketIndex: number): number {
    const { buckets } = this;

    // Clock times before 0 give negative indexes, whose remainder is negative too.
    return (((bucketIndex % buckets) + buckets) % buckets) * 3;
  }

  private evict(slot: number): void {
    this.calls -= this.counts[slot];
    this.failures -= this.counts[slot + 1];
    this.slowCalls -= this.counts[slot + 2];
    this.counts[slot] = 0;
    this.counts[slot + 1] = 0;
    this.counts[slot + 2] = 0;
  }
}

/** Tells whether `value` is an integer from 0 to `max`. */
function isCountIn(value: unknown, max: number): value is number {
  return Number.isInteger(value) && (value as number) >= 0 && (value as number) <= max;
}

/** Creates the window the rate rules judge, or none when no rate rule is set. */
export function createOutcomeWindow(
  window: Required<WindowOptions> | undefined,
): OutcomeWindow | undefined {
  if (window === undefined) return undefined;

  return window.kind === 'count'
    ? new CountWindow(window.size)
    : new TimeWindow(window.duration, window.buckets);
}
