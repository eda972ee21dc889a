import type { BreakerOptions } from './breaker-options.js';
import { BreakerCore, NO_LISTENERS } from './breaker-core.js';
import type { BreakerEventName, BreakerListener } from './breaker-events.js';
import { ListenerSet } from './breaker-events.js';
import { halfOpenSnapshot, probesFull, retryAfterOf, type Phase } from './breaker-phase.js';
import type { BreakerSnapshot, BreakerStats } from './breaker-snapshot.js';
import type { BreakerState } from './breaker-state.js';
import { CallPermit, NEVER_ABORTED, type Permit, type PermitOwner } from './call-permit.js';
import { CallTally, type DurationObserver } from './call-tally.js';
import { classifyError, classifyResult, type Outcome } from './classify.js';
import { BulkheadFullError, CircuitOpenError } from './errors.js';
import { DeferredRejection, isThenable } from './promise-interop.js';

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
export class Breaker extends BreakerCore implements PermitOwner {
  private readonly maxConcurrent: number;
  private settlers: Settlers | undefined = undefined;

  /**
   * @param options see `BreakerOptions`; every option is optional
   * @throws BreakerConfigError when an option is invalid
   */
  constructor(options: BreakerOptions = {}) {
    super(options);

    this.maxConcurrent = this.options.maxConcurrent ?? Infinity;
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
    const wrapped = (...args: A) => this.call(() => fn(...args));

    return Object.defineProperty(wrapped, 'length', { value: fn.length });
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

  /** @internal Gives back the admission of a permit that records no outcome. */
  releasePermit(permit: CallPermit): void {
    this.unadmit(permit.generation);
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
}
