import type { BreakerSnapshot } from './breaker-snapshot.js';
import type { Outcome } from './classify.js';
import { BreakerConfigError } from './errors.js';
import type { WindowTotals } from './outcome-window.js';

const COUNT_FIELDS = [
  'consecutiveFailures',
  'successes',
  'failures',
  'ignored',
  'slowCalls',
] as const;

/**
 * Reads a whole number >= 0 from a snapshot.
 *
 * @throws BreakerConfigError naming the field when it is anything else
 */
export function readCount(snapshot: BreakerSnapshot, field: keyof BreakerSnapshot): number {
  const value = snapshot[field];

  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new BreakerConfigError(`initialState.${field}`, value, 'expected an integer >= 0');
  }

  return value;
}

/** Outcomes counted since the circuit last closed, and the run of consecutive failures. */
export class OutcomeCounts {
  consecutiveFailures = 0;
  successes = 0;
  failures = 0;
  ignored = 0;
  slowCalls = 0;

  add(outcome: Outcome, slow: boolean): void {
    if (outcome === 'success') {
      this.successes++;
      this.consecutiveFailures = 0;
    } else if (outcome === 'failure') {
      this.failures++;
      this.consecutiveFailures++;
    } else {
      this.ignored++;
    }

    if (slow) this.slowCalls++;
  }

  /** The judged outcomes, shaped like a window's totals. */
  totals(): WindowTotals {
    return {
      calls: this.successes + this.failures,
      failures: this.failures,
      slowCalls: this.slowCalls,
    };
  }

  clear(): void {
    this.consecutiveFailures = 0;
    this.successes = 0;
    this.failures = 0;
    this.ignored = 0;
    this.slowCalls = 0;
  }

  toJSON(): Pick<BreakerSnapshot, (typeof COUNT_FIELDS)[number]> {
    const { consecutiveFailures, successes, failures, ignored, slowCalls } = this;

    return { consecutiveFailures, successes, failures, ignored, slowCalls };
  }

  /** @throws BreakerConfigError naming the first invalid count of the snapshot */
  restore(snapshot: BreakerSnapshot): void {
    for (const field of COUNT_FIELDS) this[field] = readCount(snapshot, field);
  }
}
