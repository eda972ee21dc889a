import {
  type BreakerOptions,
  type ResolvedBreakerOptions,
  resolveBreakerOptions,
} from './breaker-options.js';
import type { BreakerEventName, BreakerListener, CallEvent } from './breaker-events.js';
import { ListenerSet } from './breaker-events.js';
import {
  halfOpenPhase,
  halfOpenSnapshot,
  openPhase,
  phaseFromSnapshot,
  probesFull,
  retryAfterOf,
  type Phase,
} from './breaker-phase.js';
import type { BreakerSnapshot, BreakerStats } from './breaker-snapshot.js';
import type { BreakerState, TransitionReason } from './breaker-state.js';
import { CallPermit, NEVER_ABORTED, type Permit, type PermitOwner } from './call-permit.js';
import { CallTally, type DurationObserver } from './call-tally.js';
import { classifyError, classifyResult, type Outcome } from './classify.js';
import { BreakerConfigError, BulkheadFullError, CircuitOpenError } from './errors.js';
import { createOutcomeWindow, type OutcomeWindow } from './outcome-window.js';
import { OutcomeCounts, readCount } from './outcome-counts.js';
import { DeferredRejection, isThenable } from './promise-interop.js';
import { tripReason } from './trip-rules.js';
import { validateBreakerOptions } from './validate-options.js';

/** The listeners of every breaker that has none; never added to. */
const NO_LISTENERS = new ListenerSet();

/** The result handlers of one generation's untimed calls. */
interface Settlers {
  generation: number;
  resolved: (value: unknown) => unknown;
  rejected: (error: unknown) => never;
}

/**
 * Stops calling a dependency that keeps failing: rejects at once while open, then admits a few
 * probes and closes again when they succeed. Safe for any number of concurrent calls; keeps no
 * timer; costs a counter update per call while closed.
 *
 * @example
 * const breaker = new Breaker({ name: 'payments', maxFailures: 5, timeout: 10_000 });
 * const receipt = await breaker.call((signal) => fetch(url, { signal }));
 */
export class Breaker implements PermitOwner {
  /** The name shown in errors, events, logs and metrics. */
  readonly name: string;
  private readonly options: ResolvedBreakerOptions;
  private readonly window: OutcomeWindow | undefined;
  /** Shared and empty until the first listener: most breakers never have one. */
  private listeners = NO_LISTENERS;
  /** Whether calls are timed: for slow-call rules, or for metrics that observe durations. */
  private timesCalls: boolean;
  /** Created when metrics first ask for counts: most breakers are never observed. */
  private tally: CallTally | undefined;
  private readonly maxConcurrent: number;
  private phase: Phase;
  private generation = 0;
  private readonly counts = new OutcomeCounts();
  private rejected = 0;
  private inFlight = 0;
  private reopenCount = 0;
  private settlers: Settlers | undefined;

  /**
   * @internal Called on every change of state, before the `'state-change'` event. Lets a registry
   * follow its breakers without a listener per breaker.
   */
  transitionHook: ((breaker: Breaker, state: BreakerState) => void) | undefined;

  /**
   * @param options see `BreakerOptions`; every option is optional
   * @throws BreakerConfigError when an option is invalid
   */
  constructor(options: BreakerOptions = {}) {
    validateBreakerOptions(options);

    this.options = resolveBreakerOptions(options);
    this.name = this.options.name;
    this.timesCalls = this.options.slowCallDuration !== undefined;
    this.maxConcurrent = this.options.maxConcurrent ?? Infinity;
    this.window = createOutcomeWindow(this.options.window);
    this.phase = { kind: 'closed', since: this.now() };

    if (options.initialState !== undefined) this.restore(options.initialState);
  }

  private now(): number {
    return this.options.clock();
  }

  /** The current state, brought up to date with the clock when read. */
  get state(): BreakerState {
    return this.refresh().kind;
  }

  /**
   * Runs `fn` under protection. `fn` receives an `AbortSignal` that aborts at the `callTimeout`
   * deadline (without `callTimeout`, a shared signal that never aborts). A signal costs
   * microseconds to build, so a function that declares no parameter (`fn.length === 0`, as with
   * `(...args) => ...`) receives the shared signal: declare the parameter to have the call's own.
   *
   * @returns the result of `fn`; rejects with `CircuitOpenError` when the circuit does not admit
   *   the call, `CallTimeoutError` past the deadline, or whatever `fn` threw
   */
  call<T>(fn: (signal: AbortSignal) => T | PromiseLike<T>): Promise<T> {
    return this.admitsDirectly()
      ? this.callClosed(fn, undefined, undefined)
      : this.callWithPermit(fn);
  }

  /**
   * @internal Calls `method` on `receiver` with `args` under protection, as `call()` would call
   * `() => method.apply(receiver, args)`, without allocating that closure on the closed path. The
   * method receives no signal.
   */
  callMethod<T>(
    method: (...args: never[]) => T | PromiseLike<T>,
    receiver: unknown,
    args: unknown[],
  ): Promise<T> {
    return this.admitsDirectly()
      ? this.callClosed(method, receiver, args)
      : this.callWithPermit(() => method.apply(receiver, args as never[]));
  }

  /** Returns a function with the parameters of `fn` that calls it through the breaker. */
  wrap<A extends unknown[], T>(fn: (...args: A) => T | PromiseLike<T>): (...args: A) => Promise<T> {
    return (...args: A) => this.call(() => fn(...args));
  }

  /**
   * Admits one call for code that cannot hand over a function; the permit records its outcome.
   *
   * @throws CircuitOpenError when the circuit does not admit the call
   * @throws BulkheadFullError when `maxConcurrent` calls are already in flight
   */
  acquire(): Permit {
    const admitted = this.admit();

    if (admitted instanceof CallPermit) return admitted;

    throw admitted;
  }

  /** Opens the circuit until `reset()`; every call is rejected. Does nothing while disabled. */
  forceOpen(): void {
    if (this.refresh().kind === 'disabled') return;

    this.transition({ kind: 'forced-open', since: this.now() }, 'forced-open');
  }

  /** Lets every call through and records it, never tripping, until `reset()`. */
  disable(): void {
    if (this.refresh().kind === 'forced-open') return;

    this.transition({ kind: 'disabled', since: this.now() }, 'disabled');
  }

  /** Closes the circuit and clears every count but `rejected`, from any state. */
  reset(): void {
    this.refresh();
    this.transition({ kind: 'closed', since: this.now() }, 'reset');
  }

  /** Adds a listener for one event and returns a function that removes it. */
  on<E extends BreakerEventName>(event: E, listener: BreakerListener<E>): () => void {
    if (this.listeners === NO_LISTENERS) this.listeners = new ListenerSet();

    return this.listeners.add(event, listener);
  }

  /** Returns a plain snapshot of the breaker's counts, brought up to date with the clock. */
  stats(): BreakerStats {
    this.refresh();

    return this.statsAt(this.now());
  }

  /** Returns the breaker's state as plain JSON; the `initialState` option restores it exactly. */
  toJSON(): BreakerSnapshot {
    const phase = this.refresh();

    return {
      version: 1,
      state: phase.kind,
      since: phase.since,
      ...(phase.kind === 'open' ? { openUntil: phase.until } : {}),
      ...(phase.kind === 'half-open' ? halfOpenSnapshot(phase) : {}),
      reopenCount: this.reopenCount,
      ...this.counts.toJSON(),
      rejected: this.rejected,
      ...(this.window === undefined ? {} : { window: this.window.toJSON() }),
    };
  }

  /** @internal The per-call deadline in milliseconds, or `undefined` when calls have none. */
  get callTimeout(): number | undefined {
    return this.options.callTimeout;
  }

  /** @internal Milliseconds until an open circuit admits probes, without making transitions. */
  msUntilHalfOpen(): number | undefined {
    return this.phase.kind === 'open' ? this.phase.until - this.now() : undefined;
  }

  /**
   * @internal Returns the breaker's count of calls by outcome, which starts when it is first
   * asked for.
   */
  callTally(): CallTally {
    this.tally ??= new CallTally();

    return this.tally;
  }

  /**
   * @internal Hands `observer` the outcome and duration of every call that starts from now on,
   * timing every call while any observer is attached. Returns a function that detaches it.
   */
  observeDurations(observer: DurationObserver): () => void {
    const tally = this.callTally();

    tally.observers = [...tally.observers, observer];
    this.timesCalls = true;

    return () => {
      tally.observers = tally.observers.filter((each) => each !== observer);
      this.timesCalls = this.options.slowCallDuration !== undefined || tally.observers.length > 0;
    };
  }

  /** @internal Classifies a thrown error for a permit. */
  classifyError(error: unknown, timedOut: boolean): Outcome {
    return classifyError(error, this.options, timedOut);
  }

  /** @internal Classifies a returned value for a permit. */
  classifyResult(result: unknown): Outcome {
    return this.options.isResultFailure === undefined
      ? 'success'
      : classifyResult(result, this.options);
  }

  /** @internal Records the outcome of a permit. */
  settlePermit(permit: CallPermit, outcome: Outcome, error: unknown): void {
    this.settle(permit.generation, permit.startedAt, outcome, error, permit.timedOut);
  }

  /**
   * Tells whether a call can skip the permit: the circuit is closed, calls have no deadline and
   * the bulkhead has room.
   */
  private admitsDirectly(): boolean {
    return (
      this.phase.kind === 'closed' &&
      this.options.callTimeout === undefined &&
      this.inFlight < this.maxConcurrent
    );
  }

  /**
   * Runs one call of a closed circuit that needs no permit: the hot path. Calls `fn(signal)`, or
   * `fn` on `receiver` with `args` when `args` are given.
   */
  private callClosed<T>(
    fn: (...args: never[]) => T | PromiseLike<T>,
    receiver: unknown,
    args: unknown[] | undefined,
  ): Promise<T> {
    const generation = this.generation;
    const startedAt = this.timesCalls ? this.now() : NaN;
    let result: T | PromiseLike<T>;

    this.inFlight++;

    try {
      result =
        args === undefined
          ? (fn as (signal: AbortSignal) => T | PromiseLike<T>)(NEVER_ABORTED)
          : fn.apply(receiver, args as never[]);
    } catch (error) {
      this.settle(generation, startedAt, this.classifyError(error, false), error);

      return Promise.reject(error);
    }

    if (!isThenable(result)) {
      this.settle(generation, startedAt, this.classifyResult(result), undefined);

      return Promise.resolve(result);
    }

    const promise = result instanceof Promise ? result : Promise.resolve(result);

    if (!this.timesCalls) {
      const settlers = this.settlersOf(generation);

      return promise.then(settlers.resolved, settlers.rejected) as Promise<T>;
    }

    return promise.then(
      (value) => {
        this.settle(generation, startedAt, this.classifyResult(value), undefined);

        return value;
      },
      (error: unknown) => {
        this.settle(generation, startedAt, this.classifyError(error, false), error);

        throw error;
      },
    );
  }

  /**
   * Returns the result handlers shared by every untimed call of `generation`, so that the closed
   * path allocates no closure per call.
   */
  private settlersOf(generation: number): Settlers {
    if (this.settlers?.generation === generation) return this.settlers;

    this.settlers = {
      generation,
      resolved: (value) => {
        this.settle(generation, NaN, this.classifyResult(value), undefined);

        return value;
      },
      rejected: (error) => {
        this.settle(generation, NaN, this.classifyError(error, false), error);

        throw error;
      },
    };

    return this.settlers;
  }

  private callWithPermit<T>(fn: (signal: AbortSignal) => T | PromiseLike<T>): Promise<T> {
    const permit = this.admit();

    if (!(permit instanceof CallPermit)) {
      return Promise.resolve(new DeferredRejection(permit) as unknown as PromiseLike<T>);
    }

    let result: T | PromiseLike<T>;

    try {
      // A function that declares no parameter is taken not to read the signal: none is built.
      result = fn(fn.length === 0 ? NEVER_ABORTED : permit.signal);
    } catch (error) {
      permit.failure(error);

      return Promise.reject(error);
    }

    if (!isThenable(result)) {
      permit.success(result);

      return Promise.resolve(result);
    }

    return permit.track(result);
  }

  /** Admits a call and returns its permit, or returns the rejection. */
  private admit(): CallPermit | Error {
    let phase = this.phase;
    let now = 0;

    if (phase.kind !== 'closed' && phase.kind !== 'disabled') {
      now = this.now();
      phase = this.advance(now);

      if (
        phase.kind !== 'closed' &&
        (phase.kind !== 'half-open' || probesFull(phase, this.options.maxRequests))
      ) {
        return this.reject(phase, now);
      }
    }

    if (phase.kind !== 'disabled' && this.inFlight >= this.maxConcurrent) {
      return this.countRejection(BulkheadFullError.create(this.name, this.maxConcurrent));
    }

    if (phase.kind === 'half-open') {
      phase.admitted++;

      if (phase.deadline === Infinity) phase.deadline = now + this.options.timeout;
    }

    const permit = new CallPermit(this, this.generation, this.timesCalls ? this.now() : NaN);

    this.inFlight++;

    if (this.options.callTimeout !== undefined) permit.startDeadline(this.options.callTimeout);

    return permit;
  }

  private reject(phase: Phase, now: number): CircuitOpenError {
    const retryAfter = retryAfterOf(phase, now, this.options.maxRequests);

    return this.countRejection(CircuitOpenError.create(this.name, phase.kind, retryAfter));
  }

  private countRejection<E extends Error>(error: E): E {
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
  private settle(
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

    // A fast success never opens the circuit, so it needs no judging.
    if (phase.kind !== 'closed' || (outcome !== 'failure' && !slow)) return;

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
  private refresh(): Phase {
    const kind = this.phase.kind;

    return kind === 'open' || kind === 'half-open' ? this.advance(this.now()) : this.phase;
  }

  /**
   * Makes the transitions time has caused by `now`: an open period that has ended becomes
   * half-open; a half-open period past its deadline re-opens. Each happens at the moment it was
   * due, whenever it is observed.
   */
  private advance(now: number): Phase {
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
  private transition(next: Phase, reason: TransitionReason): void {
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

  private statsAt(now: number): BreakerStats {
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
