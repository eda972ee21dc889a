import {
  type BreakerOptions,
  type ResolvedBreakerOptions,
  resolveBreakerOptions,
} from './breaker-options.js';
import { type CallEvent, ListenerSet } from './breaker-events.js';
import {
  halfOpenPhase,
  openPhase,
  phaseFromSnapshot,
  retryAfterOf,
  type Phase,
} from './breaker-phase.js';
import type { BreakerSnapshot, BreakerStats } from './breaker-snapshot.js';
import type { BreakerState, TransitionReason } from './breaker-state.js';
import type { CallTally } from './call-tally.js';
import type { Outcome } from './classify.js';
import { BreakerConfigError } from './errors.js';
import { createOutcomeWindow, type OutcomeWindow } from './outcome-window.js';
import { OutcomeCounts, readCount } from './outcome-counts.js';
import { tripReason } from './trip-rules.js';
import { validateBreakerOptions } from './validate-options.js';

/** The listeners of every breaker that has none; never added to. */
export const NO_LISTENERS = new ListenerSet();

/**
 * The breaker's state and its one seam for outcomes and transitions: every counted outcome
 * enters through `settle()`, every transition goes through `transition()`, and the state is
 * brought up to date with the clock by `refresh()`. `Breaker` adds the calls, admission and
 * control on top; a store shared by several instances would replace what happens here.
 */
export abstract class BreakerCore {
  /** The name shown in errors, events, logs and metrics. */
  readonly name: string;
  protected readonly options: ResolvedBreakerOptions;
  protected readonly window: OutcomeWindow | undefined;
  /** Shared and empty until the first listener: most breakers never have one. */
  protected listeners = NO_LISTENERS;
  /** Whether calls are timed: for slow-call rules, or for metrics that observe durations. */
  protected timesCalls: boolean;
  /** Created when metrics first ask for counts: most breakers are never observed. */
  protected tally: CallTally | undefined = undefined;
  protected phase: Phase;
  protected generation = 0;
  protected readonly counts = new OutcomeCounts();
  protected rejected = 0;
  protected inFlight = 0;
  protected reopenCount = 0;

  /**
   * @internal Called on every change of state, before the `'state-change'` event. Lets a registry
   * follow its breakers without a listener per breaker.
   */
  transitionHook: ((breaker: this, state: BreakerState) => void) | undefined = undefined;

  /**
   * @param options see `BreakerOptions`; every option is optional
   * @throws BreakerConfigError when an option is invalid
   */
  constructor(options: BreakerOptions) {
    validateBreakerOptions(options);

    this.options = resolveBreakerOptions(options);
    this.name = this.options.name;
    this.timesCalls = this.options.slowCallDuration !== undefined;
    this.window = createOutcomeWindow(this.options.window);
    this.phase = { kind: 'closed', since: this.now() };

    if (options.initialState !== undefined) this.restore(options.initialState);
  }

  /** Reads the breaker's clock. */
  protected now(): number {
    return this.options.clock();
  }

  /** Counts one rejection, in `stats().rejected`, the tally and a `'rejected'` event. */
  protected countRejection<E extends Error>(error: E): E {
    this.rejected++;
    this.tally?.count('rejected', undefined);

    if (this.listeners.size !== 0) this.listeners.emit('rejected', { breaker: this.name, error });

    return error;
  }

  /**
   * Ends one admitted call: counts its outcome unless the state changed since it started.
   *
   * @param timedOut whether the breaker's own `callTimeout` ended the call
   */
  protected settle(
    generation: number,
    startedAt: number,
    outcome: Outcome,
    error: unknown,
    timedOut = false,
  ): void {
    this.inFlight--;

    // Time may have ended the period this call belongs to: a half-open deadline that passed
    // unobserved turns a late probe result stale.
    this.refresh();

    if (generation !== this.generation) return;

    this.record(outcome, startedAt, error, timedOut);
  }

  /**
   * Ends one admitted call without an outcome: it leaves the calls in flight, and a probe of the
   * current half-open period gives its slot back.
   */
  protected unadmit(generation: number): void {
    this.inFlight--;

    const phase = this.refresh();

    if (generation === this.generation && phase.kind === 'half-open') phase.admitted--;
  }

  /**
   * Counts one outcome of the current generation and makes the transition it causes. Every
   * counted outcome enters here and every automatic transition leaves from here or `advance`.
   */
  private record(outcome: Outcome, startedAt: number, error: unknown, timedOut: boolean): void {
    const phase = this.phase;
    // Calls that started before timing was switched on carry no start time.
    const timed = !Number.isNaN(startedAt);
    const now = timed || this.window !== undefined ? this.now() : NaN;
    const durationMs = timed ? now - startedAt : undefined;
    const slow =
      outcome !== 'ignored' &&
      durationMs !== undefined &&
      durationMs >= (this.options.slowCallDuration ?? Infinity);

    if (phase.kind === 'half-open') {
      return this.recordProbe(phase, outcome, slow, durationMs, error, timedOut);
    }

    this.counts.add(outcome, slow);

    if (this.window !== undefined && outcome !== 'ignored') {
      this.window.record(outcome === 'failure', slow, now);
    }

    this.report(outcome, durationMs, error, timedOut);

    // A fast success never opens the circuit, so it needs no judging; nor does an outcome whose
    // listener changed the state itself (forced it open, say).
    if (phase.kind !== 'closed' || (outcome !== 'failure' && !slow)) return;
    if (this.phase !== phase) return;

    const reason = tripReason(
      this.options,
      this.counts.consecutiveFailures,
      this.window,
      outcome,
      slow,
      now,
    );

    if (reason !== undefined) this.transition(openPhase(this.options, 0, this.now()), reason);
  }

  private recordProbe(
    phase: Phase & { kind: 'half-open' },
    outcome: Outcome,
    slow: boolean,
    durationMs: number | undefined,
    error: unknown,
    timedOut: boolean,
  ): void {
    const failed =
      outcome === 'failure' ||
      (slow && outcome === 'success' && this.options.slowCallThreshold !== undefined);

    this.report(failed ? 'failure' : outcome, durationMs, error, timedOut);

    // A listener of the outcome may have changed the state itself; the probe then decides nothing.
    if (this.phase !== phase) return;

    if (outcome === 'ignored') {
      phase.admitted--;
    } else if (failed) {
      this.reopenCount++;
      this.transition(openPhase(this.options, this.reopenCount, this.now()), 'probe-failed');
    } else if (++phase.succeeded >= this.options.maxRequests) {
      this.transition({ kind: 'closed', since: this.now() }, 'probes-succeeded');
    }
  }

  /**
   * Tells the tally and the listeners how a counted call ended. A call the deadline ended is a
   * `timeout` to the tally; listeners get `'timeout'`, then the `'failure'` it counts as.
   */
  private report(
    outcome: Outcome,
    durationMs: number | undefined,
    error: unknown,
    timedOut: boolean,
  ): void {
    this.tally?.count(timedOut ? 'timeout' : outcome, durationMs);

    if (this.listeners.size === 0) return;

    if (timedOut) this.listeners.emit('timeout', { breaker: this.name, error });

    const event: CallEvent = { breaker: this.name };

    if (durationMs !== undefined) event.durationMs = durationMs;
    if (outcome !== 'success' && error !== undefined) event.error = error;

    this.listeners.emit(outcome, event);
  }

  /** Returns the current phase, without reading the clock unless the circuit is open or half-open. */
  protected refresh(): Phase {
    const kind = this.phase.kind;

    return kind === 'open' || kind === 'half-open' ? this.advance(this.now()) : this.phase;
  }

  /**
   * Makes the transitions time has caused by `now`: an open period that has ended becomes
   * half-open; a half-open period past its deadline re-opens. Each happens at the moment it was
   * due, whenever it is observed.
   */
  protected advance(now: number): Phase {
    let phase = this.phase;

    if (phase.kind === 'half-open' && now >= phase.deadline) {
      this.reopenCount++;
      this.transition(
        openPhase(this.options, this.reopenCount, phase.deadline),
        'half-open-expired',
      );
      phase = this.phase;
    }

    if (phase.kind === 'open' && now >= phase.until) {
      this.transition(halfOpenPhase(phase.until), 'open-elapsed');
    }

    return this.phase;
  }

  /** Moves to `next`: the only place the phase changes. Every transition starts a generation. */
  protected transition(next: Phase, reason: TransitionReason): void {
    const from = this.phase.kind;

    this.phase = next;
    this.generation++;

    if (next.kind === 'closed') this.clearCounts();

    if (from === next.kind) return;

    this.transitionHook?.(this, next.kind);

    if (this.listeners.has('state-change')) {
      this.listeners.emit('state-change', {
        breaker: this.name,
        from,
        to: next.kind,
        reason,
        stats: this.statsAt(this.now()),
      });
    }
  }

  private clearCounts(): void {
    this.counts.clear();
    this.reopenCount = 0;
    this.window?.clear();
  }

  protected statsAt(now: number): BreakerStats {
    const phase = this.phase;
    const totals = this.window?.totals(now) ?? this.counts.totals();
    const judged = totals.calls;

    return {
      name: this.name,
      state: phase.kind,
      // A window holds judged outcomes only, so over a window the calls are those.
      calls: this.window === undefined ? judged + this.counts.ignored : judged,
      successes: judged - totals.failures,
      failures: totals.failures,
      ignored: this.counts.ignored,
      slowCalls: totals.slowCalls,
      failureRate: judged === 0 ? 0 : totals.failures / judged,
      slowCallRate: judged === 0 ? 0 : totals.slowCalls / judged,
      consecutiveFailures: this.counts.consecutiveFailures,
      rejected: this.rejected,
      inFlight: this.inFlight,
      openedAt: phase.kind === 'open' || phase.kind === 'forced-open' ? phase.since : undefined,
      retryAfter: retryAfterOf(phase, now, this.options.maxRequests),
    };
  }

  private restore(snapshot: BreakerSnapshot): void {
    this.phase = phaseFromSnapshot(snapshot);

    this.counts.restore(snapshot);
    this.reopenCount = readCount(snapshot, 'reopenCount');
    this.rejected = readCount(snapshot, 'rejected');

    if (snapshot.window === undefined) return;

    if (this.window === undefined) {
      throw new BreakerConfigError(
        'initialState.window',
        snapshot.window,
        'this breaker has no window: it sets no rate rule',
      );
    }

    this.window.restore(snapshot.window);
  }
}
