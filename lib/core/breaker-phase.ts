import type { ResolvedBreakerOptions } from './breaker-options.js';
import type { BreakerSnapshot } from './breaker-snapshot.js';
import type { BreakerState } from './breaker-state.js';
import { BreakerConfigError } from './errors.js';
import { readCount } from './outcome-counts.js';

/** The breaker's inner state, with what each state needs to decide its next transition. */
export type Phase =
  | { kind: 'closed'; since: number }
  | { kind: 'open'; since: number; until: number }
  | {
      kind: 'half-open';
      since: number;
      /** Probes admitted and not given back: in flight or succeeded. */
      admitted: number;
      succeeded: number;
      /** When the period re-opens undecided: `timeout` after its first probe, else never. */
      deadline: number;
    }
  | { kind: 'forced-open'; since: number }
  | { kind: 'disabled'; since: number };

/** Creates the open phase for the `reopenCount`-th re-open in a row, starting at `now`. */
export function openPhase(
  options: ResolvedBreakerOptions,
  reopenCount: number,
  now: number,
): Phase {
  return { kind: 'open', since: now, until: now + openDuration(options, reopenCount) };
}

/** Creates a half-open phase starting at `now`, with no probe admitted yet. */
export function halfOpenPhase(now: number): Phase {
  return { kind: 'half-open', since: now, admitted: 0, succeeded: 0, deadline: Infinity };
}

/**
 * Computes how long an open period lasts: `timeout`, or with backoff
 * `min(timeout * multiplier^n, max)` shortened by a random fraction of at most `jitter`.
 */
export function openDuration(options: ResolvedBreakerOptions, reopenCount: number): number {
  const { timeout, backoff } = options;

  if (backoff === undefined) return timeout;

  const grown = Math.min(timeout * backoff.multiplier ** reopenCount, backoff.max);

  return grown * (1 - Math.random() * backoff.jitter);
}

/** Tells whether a half-open period has admitted all the probes it may. */
export function probesFull(phase: Phase & { kind: 'half-open' }, maxRequests: number): boolean {
  return phase.admitted >= maxRequests;
}

/**
 * Milliseconds until a rejected caller may try again: until probes are admitted (open), until the
 * half-open period expires when its probe slots are taken (0 while one is free), or `undefined`
 * when unknown or not applicable.
 */
export function retryAfterOf(phase: Phase, now: number, maxRequests: number): number | undefined {
  if (phase.kind === 'open') return Math.max(0, phase.until - now);

  if (phase.kind !== 'half-open') return undefined;

  return probesFull(phase, maxRequests) ? Math.max(0, phase.deadline - now) : 0;
}

/** The half-open period's own fields of a snapshot: its succeeded probes and its deadline. */
export function halfOpenSnapshot(
  phase: Phase & { kind: 'half-open' },
): Pick<BreakerSnapshot, 'probesSucceeded' | 'halfOpenDeadline'> {
  return {
    probesSucceeded: phase.succeeded,
    ...(phase.deadline === Infinity ? {} : { halfOpenDeadline: phase.deadline }),
  };
}

const STATES: readonly BreakerState[] = ['closed', 'open', 'half-open', 'forced-open', 'disabled'];

/**
 * Rebuilds a phase from a snapshot. Probes in flight when the snapshot was taken are not restored:
 * a restored half-open period keeps its succeeded probes and its deadline, and frees the slots of
 * the probes that were in flight.
 *
 * @throws BreakerConfigError when the snapshot is not one `toJSON()` produces
 */
export function phaseFromSnapshot(snapshot: BreakerSnapshot): Phase {
  if (snapshot.version !== 1) throw invalid('version', snapshot.version, 'expected 1');

  if (!STATES.includes(snapshot.state)) {
    throw invalid('state', snapshot.state, `expected one of ${STATES.join(', ')}`);
  }

  if (!Number.isFinite(snapshot.since)) {
    throw invalid('since', snapshot.since, 'expected a finite clock time');
  }

  switch (snapshot.state) {
    case 'open':
      if (!Number.isFinite(snapshot.openUntil) || snapshot.openUntil! < snapshot.since) {
        throw invalid('openUntil', snapshot.openUntil, 'expected a finite clock time >= since');
      }

      return { kind: 'open', since: snapshot.since, until: snapshot.openUntil as number };
    case 'half-open':
      return restoreHalfOpen(snapshot);
    default:
      return { kind: snapshot.state, since: snapshot.since };
  }
}

function restoreHalfOpen(snapshot: BreakerSnapshot): Phase {
  const { since, halfOpenDeadline } = snapshot;
  const succeeded =
    snapshot.probesSucceeded === undefined ? 0 : readCount(snapshot, 'probesSucceeded');

  if (
    halfOpenDeadline !== undefined &&
    !(Number.isFinite(halfOpenDeadline) && halfOpenDeadline >= since)
  ) {
    throw invalid('halfOpenDeadline', halfOpenDeadline, 'expected a finite clock time >= since');
  }

  return {
    kind: 'half-open',
    since,
    admitted: succeeded,
    succeeded,
    deadline: halfOpenDeadline ?? Infinity,
  };
}

function invalid(field: string, value: unknown, expected: string): BreakerConfigError {
  return new BreakerConfigError(`initialState.${field}`, value, expected);
}
