import type { WindowOptions } from './breaker-options.js';
import type { WindowSnapshot } from './breaker-snapshot.js';

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
  restore(snapshot: WindowSnapshot): void;
}

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
    this.clear();

    if (snapshot.kind !== 'count') return;

    for (const outcome of snapshot.outcomes.slice(-this.size)) {
      this.record((outcome & FAILED) !== 0, (outcome & SLOW) !== 0);
    }
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
    return { kind: 'time', bucketIndex: this.bucketIndex, counts: this.counts.slice() };
  }

  restore(snapshot: WindowSnapshot): void {
    this.clear();

    if (snapshot.kind !== 'time' || snapshot.counts.length !== this.counts.length) return;

    this.bucketIndex = snapshot.bucketIndex;
    this.newestSlot = this.slotOf(snapshot.bucketIndex);

    for (let slot = 0; slot < this.counts.length; slot += 3) {
      this.counts[slot] = snapshot.counts[slot];
      this.counts[slot + 1] = snapshot.counts[slot + 1];
      this.counts[slot + 2] = snapshot.counts[slot + 2];
      this.calls += snapshot.counts[slot];
      this.failures += snapshot.counts[slot + 1];
      this.slowCalls += snapshot.counts[slot + 2];
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
    return (bucketIndex % this.buckets) * 3;
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

/** Creates the window the rate rules judge, or none when no rate rule is set. */
export function createOutcomeWindow(
  window: Required<WindowOptions> | undefined,
): OutcomeWindow | undefined {
  if (window === undefined) return undefined;

  return window.kind === 'count'
    ? new CountWindow(window.size)
    : new TimeWindow(window.duration, window.buckets);
}
