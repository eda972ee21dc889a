import type { Outcome } from './classify.js';
import { CallTimeoutError } from './errors.js';

/**
 * Admission of one call through a breaker, for code that cannot hand the breaker a function
 * (streams, Observables). Records exactly one outcome; later calls do nothing.
 */
export interface Permit {
  /** Aborts at the breaker's `callTimeout` deadline; never aborts without `callTimeout`. */
  readonly signal: AbortSignal;
  /**
   * Records a success. When a value is given, `isResultFailure` judges it.
   * @param result the value the call returned
   */
  success(result?: unknown): void;
  /**
   * Records a thrown error, classified by `isFailure` or the default rule.
   * @param error the error the call ended with
   */
  failure(error: unknown): void;
  /** Records an outcome that counts as neither success nor failure. */
  ignore(): void;
  /**
   * Gives the admission back without recording any outcome, for a call that was admitted but
   * never made: it no longer counts in flight, and a half-open probe slot is freed.
   */
  release(): void;
  /**
   * Records the outcome of `promise` and settles like it; rejects with `CallTimeoutError` at the
   * `callTimeout` deadline.
   */
  track<T>(promise: PromiseLike<T>): Promise<T>;
}

/** What a permit reports to. Implemented by the breaker. */
export interface PermitOwner {
  readonly name: string;
  classifyError(error: unknown, timedOut: boolean): Outcome;
  classifyResult(result: unknown): Outcome;
  settlePermit(permit: CallPermit, outcome: Outcome, error: unknown): void;
  releasePermit(permit: CallPermit): void;
}

/** A signal that never aborts, shared by every call that has no deadline. */
export const NEVER_ABORTED: AbortSignal = new AbortController().signal;

/** The breaker's permit: one admitted call, its generation, start time and optional deadline. */
export class CallPermit implements Permit {
  /** Set once an outcome was recorded. */
  settled = false;
  /** Set when the breaker's own deadline ended the call. */
  timedOut = false;
  /** The error the deadline ended the call with. */
  private timeoutError: CallTimeoutError | undefined = undefined;
  private controller: AbortController | undefined = undefined;
  private timer: ReturnType<typeof setTimeout> | undefined = undefined;
  private rejectTracked: ((error: unknown) => void) | undefined = undefined;

  constructor(
    private readonly owner: PermitOwner,
    readonly generation: number,
    readonly startedAt: number,
  ) {}

  /**
   * The call's signal, created on first read: building an `AbortSignal` costs microseconds, which
   * a call that never reads it should not pay.
   */
  get signal(): AbortSignal {
    if (this.timer === undefined && this.timeoutError === undefined) return NEVER_ABORTED;

    if (this.controller === undefined) {
      this.controller = new AbortController();

      if (this.timeoutError !== undefined) this.controller.abort(this.timeoutError);
    }

    return this.controller.signal;
  }

  /** Arms the call's deadline: at `timeoutMs` the signal aborts and the call fails. */
  startDeadline(timeoutMs: number): void {
    this.timer = setTimeout(() => this.expire(timeoutMs), timeoutMs);
  }

  success(result?: unknown): void {
    if (this.settled) return;

    // Without an argument there is no value for `isResultFailure` to judge.
    this.finish(arguments.length === 0 ? 'success' : this.owner.classifyResult(result), undefined);
  }

  failure(error: unknown): void {
    if (this.settled) return;

    this.finish(this.owner.classifyError(error, this.timedOut), error);
  }

  ignore(): void {
    if (this.settled) return;

    this.finish('ignored', undefined);
  }

  release(): void {
    if (this.settled) return;

    this.settled = true;

    if (this.timer !== undefined) clearTimeout(this.timer);

    this.owner.releasePermit(this);
  }

  track<T>(promise: PromiseLike<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.rejectTracked = reject;
      promise.then(
        (value) => {
          this.success(value);
          resolve(value);
        },
        (error: unknown) => {
          this.failure(error);
          reject(error);
        },
      );
    });
  }

  private expire(timeoutMs: number): void {
    if (this.settled) return;

    const error = new CallTimeoutError(this.owner.name, timeoutMs);

    this.timedOut = true;
    this.timeoutError = error;
    // Settled first, so that an abort listener that reports an outcome changes nothing.
    this.finish('failure', error);
    this.controller?.abort(error);
    this.rejectTracked?.(error);
  }

  private finish(outcome: Outcome, error: unknown): void {
    this.settled = true;

    if (this.timer !== undefined) clearTimeout(this.timer);

    this.owner.settlePermit(this, outcome, error);
  }
}
