import type { BreakerState, BreakerStats } from '../../../lib/core/index.js';
import { ModelWindow, type ModelWindowConfig } from './model-window.js';

/** The breaker configuration the model understands: a subset of `BreakerOptions`. */
export interface ModelConfig {
  timeout: number;
  maxRequests: number;
  maxFailures?: number;
  failureRateThreshold?: number;
  slowCallThreshold?: number;
  slowCallDuration?: number;
  minimumCalls?: number;
  window?: ModelWindowConfig;
  backoff?: { multiplier: number; max: number; jitter: number };
  maxConcurrent?: number;
  /** The value `Math.random()` returns while the model runs; used by backoff jitter. */
  random: number;
}

/** How one admitted call ends. */
export type ModelOutcome = 'success' | 'failure' | 'ignored';

/** What the model expects from an attempt to start a call. */
export type ModelAdmission =
  | { admitted: true; id: number }
  | { admitted: false; error: 'circuit-open'; state: BreakerState; retryAfter: number | undefined }
  | { admitted: false; error: 'bulkhead-full' };

/** The stats the model expects `breaker.stats()` to return. */
export type ModelStats = BreakerStats;

/** The parts of `breaker.toJSON()` the model predicts. */
export interface ModelSnapshot {
  state: BreakerState;
  since: number;
  openUntil?: number;
  reopenCount: number;
  consecutiveFailures: number;
  rejected: number;
}

type Period =
  | { state: 'closed'; since: number }
  | { state: 'open'; since: number; until: number }
  | {
      state: 'half-open';
      since: number;
      admitted: number;
      succeeded: number;
      deadline: number | undefined;
    }
  | { state: 'forced-open'; since: number }
  | { state: 'disabled'; since: number };

/** The name every breaker under test gets, so that events and errors can be checked for it. */
export const MODEL_BREAKER_NAME = 'model';

/**
 * A reference breaker written for clarity rather than speed. Before every operation it first
 * applies whatever the clock has decided since the last one, so its behaviour depends only on the
 * clock and the operations, never on when the breaker was looked at. Events are written as
 * `'success'`, `'failure'`, `'ignored'`, `'rejected'` or `'from>to:reason'`.
 */
export class BreakerModel {
  readonly events: string[] = [];
  private period: Period = { state: 'closed', since: 0 };
  private generation = 0;
  private nextId = 0;
  /** Calls admitted and not ended: their generation and start time. */
  private readonly outstanding = new Map<number, { generation: number; startedAt: number }>();
  private readonly window: ModelWindow | undefined;
  private successes = 0;
  private failures = 0;
  private ignored = 0;
  private slowCalls = 0;
  private consecutiveFailures = 0;
  private rejected = 0;
  private reopensInARow = 0;

  constructor(private readonly config: ModelConfig) {
    this.window = config.window && new ModelWindow(config.window);
  }

  /** Tells whether outstanding call `id` was admitted in an earlier generation than the current. */
  isStale(id: number): boolean {
    return this.outstanding.get(id)?.generation !== this.generation;
  }

  /**
   * Returns the clock times after `now` at which something is due, as known without applying
   * pending transitions: the end of the open period, the half-open deadline, the next bucket.
   */
  boundaries(now: number): number[] {
    const period = this.period;
    const times: number[] = [];

    if (period.state === 'open') times.push(period.until);

    if (period.state === 'half-open' && period.deadline !== undefined) times.push(period.deadline);

    const bucketEnd = this.window?.nextBucketStart(now);

    if (bucketEnd !== undefined) times.push(bucketEnd);

    return times.filter((time) => time > now);
  }

  /** Tries to start a call at `now`. */
  admit(now: number): ModelAdmission {
    this.catchUp(now);

    const period = this.period;

    if (period.state === 'open' || period.state === 'forced-open') {
      const retryAfter = period.state === 'open' ? period.until - now : undefined;

      return this.rejectOpen(period.state, retryAfter);
    }

    if (period.state === 'half-open' && period.admitted >= this.config.maxRequests) {
      return this.rejectOpen('half-open', (period.deadline as number) - now);
    }

    const limit = this.config.maxConcurrent ?? Infinity;

    if (period.state !== 'disabled' && this.outstanding.size >= limit) {
      this.rejected++;
      this.events.push('rejected');

      return { admitted: false, error: 'bulkhead-full' };
    }

    if (period.state === 'half-open') {
      period.admitted++;
      period.deadline ??= now + this.config.timeout;
    }

    const id = this.nextId++;

    this.outstanding.set(id, { generation: this.generation, startedAt: now });

    return { admitted: true, id };
  }

  /** Ends call `id` at `now`; a call that already ended changes nothing. */
  settle(id: number, outcome: ModelOutcome, now: number): void {
    const call = this.outstanding.get(id);

    if (call === undefined) return;

    this.outstanding.delete(id);
    this.catchUp(now);

    if (call.generation !== this.generation) return;

    const period = this.period;
    const { slowCallDuration } = this.config;
    const slow = slowCallDuration !== undefined && now - call.startedAt >= slowCallDuration;

    if (period.state === 'half-open') return this.settleProbe(period, outcome, slow, now);

    this.events.push(outcome);

    if (outcome === 'success') {
      this.successes++;
      this.consecutiveFailures = 0;
    } else if (outcome === 'failure') {
      this.failures++;
      this.consecutiveFailures++;
    } else {
      this.ignored++;
    }

    if (outcome === 'ignored') return;

    if (slow) this.slowCalls++;

    this.window?.add(outcome === 'failure', slow, now);

    if (period.state === 'closed' && (outcome === 'failure' || slow)) this.judge(outcome, now);
  }

  /** Reads the state at `now`. */
  state(now: number): BreakerState {
    this.catchUp(now);

    return this.period.state;
  }

  /** Computes the stats at `now`. */
  stats(now: number): ModelStats {
    this.catchUp(now);

    const period = this.period;
    const judged = this.window?.totals(now) ?? {
      calls: this.successes + this.failures,
      failures: this.failures,
      slowCalls: this.slowCalls,
    };
    let retryAfter: number | undefined;

    if (period.state === 'open') retryAfter = period.until - now;

    if (period.state === 'half-open') {
      const full = period.admitted >= this.config.maxRequests;

      retryAfter = full ? (period.deadline as number) - now : 0;
    }

    return {
      name: MODEL_BREAKER_NAME,
      state: period.state,
      calls: this.window === undefined ? judged.calls + this.ignored : judged.calls,
      successes: judged.calls - judged.failures,
      failures: judged.failures,
      ignored: this.ignored,
      slowCalls: judged.slowCalls,
      failureRate: judged.calls === 0 ? 0 : judged.failures / judged.calls,
      slowCallRate: judged.calls === 0 ? 0 : judged.slowCalls / judged.calls,
      consecutiveFailures: this.consecutiveFailures,
      rejected: this.rejected,
      inFlight: this.outstanding.size,
      openedAt:
        period.state === 'open' || period.state === 'forced-open' ? period.since : undefined,
      retryAfter,
    };
  }

  /** Predicts the state part of `toJSON()` at `now`. */
  snapshot(now: number): ModelSnapshot {
    this.catchUp(now);

    const period = this.period;

    return {
      state: period.state,
      since: period.since,
      ...(period.state === 'open' ? { openUntil: period.until } : {}),
      reopenCount: this.reopensInARow,
      consecutiveFailures: this.consecutiveFailures,
      rejected: this.rejected,
    };
  }

  /** Opens the circuit until `reset`, unless disabled. */
  forceOpen(now: number): void {
    this.catchUp(now);

    if (this.period.state !== 'disabled') {
      this.enter({ state: 'forced-open', since: now }, 'forced-open');
    }
  }

  /** Lets everything through until `reset`, unless forced open. */
  disable(now: number): void {
    this.catchUp(now);

    if (this.period.state !== 'forced-open')
      this.enter({ state: 'disabled', since: now }, 'disabled');
  }

  /** Closes the circuit from any state. */
  reset(now: number): void {
    this.catchUp(now);
    this.enter({ state: 'closed', since: now }, 'reset');
  }

  /** Applies the transitions the clock has caused up to `now`, each at the moment it was due. */
  private catchUp(now: number): void {
    for (;;) {
      const period = this.period;

      if (period.state === 'half-open' && period.deadline !== undefined && now >= period.deadline) {
        this.reopen(period.deadline, 'half-open-expired');
      } else if (period.state === 'open' && now >= period.until) {
        const halfOpen = { since: period.until, admitted: 0, succeeded: 0, deadline: undefined };

        this.enter({ state: 'half-open', ...halfOpen }, 'open-elapsed');
      } else {
        return;
      }
    }
  }

  private settleProbe(
    period: Period & { state: 'half-open' },
    outcome: ModelOutcome,
    slow: boolean,
    now: number,
  ): void {
    const failed =
      outcome === 'failure' ||
      (outcome === 'success' && slow && this.config.slowCallThreshold !== undefined);

    this.events.push(failed ? 'failure' : outcome);

    if (outcome === 'ignored') {
      period.admitted--;
    } else if (failed) {
      this.reopen(now, 'probe-failed');
    } else {
      period.succeeded++;

      if (period.succeeded === this.config.maxRequests) {
        this.enter({ state: 'closed', since: now }, 'probes-succeeded');
      }
    }
  }

  private judge(outcome: ModelOutcome, now: number): void {
    const { maxFailures, failureRateThreshold, slowCallThreshold, minimumCalls = 10 } = this.config;

    if (outcome === 'failure' && maxFailures !== undefined) {
      if (this.consecutiveFailures >= maxFailures) return this.open(now, 0, 'consecutive-failures');
    }

    const totals = this.window?.totals(now);

    if (totals === undefined || totals.calls < minimumCalls) return;

    if (
      failureRateThreshold !== undefined &&
      totals.failures / totals.calls >= failureRateThreshold
    ) {
      return this.open(now, 0, 'failure-rate');
    }

    if (slowCallThreshold !== undefined && totals.slowCalls / totals.calls >= slowCallThreshold) {
      this.open(now, 0, 'slow-call-rate');
    }
  }

  private reopen(at: number, reason: string): void {
    this.reopensInARow++;
    this.open(at, this.reopensInARow, reason);
  }

  private open(at: number, reopens: number, reason: string): void {
    const { timeout, backoff, random } = this.config;
    let duration = timeout;

    if (backoff !== undefined) {
      const grown = Math.min(timeout * backoff.multiplier ** reopens, backoff.max);

      duration = grown * (1 - random * backoff.jitter);
    }

    this.enter({ state: 'open', since: at, until: at + duration }, reason);
  }

  private rejectOpen(state: BreakerState, retryAfter: number | undefined): ModelAdmission {
    this.rejected++;
    this.events.push('rejected');

    return { admitted: false, error: 'circuit-open', state, retryAfter };
  }

  private enter(next: Period, reason: string): void {
    const from = this.period.state;

    this.period = next;
    this.generation++;

    if (next.state === 'closed') {
      this.successes = 0;
      this.failures = 0;
      this.ignored = 0;
      this.slowCalls = 0;
      this.consecutiveFailures = 0;
      this.reopensInARow = 0;
      this.window?.clear();
    }

    if (from !== next.state) this.events.push(`${from}>${next.state}:${reason}`);
  }
}
