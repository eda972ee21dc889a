import type { BreakerSnapshot } from './breaker-snapshot.js';
import { BreakerConfigError } from './errors.js';

const COUNT_FIELDS = [
  'reopenCount',
  'consecutiveFailures',
  'successes',
  'failures',
  'ignored',
  'slowCalls',
  'rejected',
] as const;

/** The counts a snapshot carries. */
export type SnapshotCounts = Record<(typeof COUNT_FIELDS)[number], number>;

/**
 * Reads the counts of a snapshot, checking each is a whole number >= 0.
 *
 * @throws BreakerConfigError naming the first invalid count
 */
export function restoreCounts(snapshot: BreakerSnapshot): SnapshotCounts {
  const counts = {} as SnapshotCounts;

  for (const field of COUNT_FIELDS) {
    const value = snapshot[field];

    if (!Number.isInteger(value) || value < 0) {
      throw new BreakerConfigError(`initialState.${field}`, value, 'expected an integer >= 0');
    }

    counts[field] = value;
  }

  return counts;
}
