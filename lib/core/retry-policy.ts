import { NEVER_ABORTED } from './call-permit.js';
import { isBulkheadFullError, isCircuitOpenError } from './errors.js';
import {
  resolveRetryOptions,
  validateRetryOptions,
  type ResolvedRetryOptions,
  type RetryOptions,
} from './retry-options.js';

/** Options of one `RetryPolicy.execute` call. */
export interface RetryExecuteOptions {
  /**
   * Stops the retries at once when it aborts: the attempt in flight is abandoned (its own signal
   * aborts), a pending wait is cancelled, and the call rejects with the signal's reason.
   */
  signal?: AbortSignal;
}

/**
 * A function a `RetryPolicy` runs. `signal` belongs to this attempt alone and aborts when the
 * caller's signal does; `attempt` counts from 1.
 */
export type RetryableFunction<T> = (signal: AbortSignal, attempt: number) => T | PromiseLike<T>;

/**
 * The retry decisions of one execution: whether a failed attempt gets another one, and after how
 * long.
 */
export interface RetrySchedule {
  /** The number of the current attempt, from 1. */
  readonly attempt: number;
  /**
   * Records that the current attempt failed with `error`.
   *
   * @returns the wait in milliseconds before the next attempt, or `undefined` when there is none:
   *   the attempts are used up, `error` is a breaker rejection, or `retryOn` declined it
   */
  next(error: unknown): number | undefined;
}

/**
 * Runs a function again when it fails, waiting longer each time with exponential backoff and
 * jitter. It never retries a rejection by a breaker (`CircuitOpenError`, `BulkheadFullError`):
 * put the retry outside the breaker, and an open circuit ends the retries at once.
 *
 * @example
 * const retry = new RetryPolicy({ attempts: 4, backoff: { initial: 200 } });
 * const quote = await retry.execute(() => breaker.call((signal) => fetchQuote(signal)));
 */
export class RetryPolicy {
  private readonly options: ResolvedRetryOptions;

  /**
   * @param options see `RetryOptions`; every option is optional
   * @throws BreakerConfigError when an option is invalid
   */
  constructor(options: RetryOptions = {}) {
    validateRetryOptions(options);

    this.options = resolveRetryOptions(options);
  }

  /**
   * Runs `fn` until it succeeds, the attempts run out, or an error is not worth retrying.
   *
   * @returns the result of the first attempt that succeeds; rejects with the last attempt's
   *   error, or with the caller's abort reason
   */
  async execute<T>(fn: RetryableFunction<T>, options: RetryExecuteOptions = {}): Promise<T> {
    const { signal } = options;
    const schedule = this.schedule();

    for (;;) {
      signal?.throwIfAborted();

      let delay: number | undefined;

      try {
        return await this.attempt(fn, schedule.attempt, signal);
      } catch (error) {
        if (signal?.aborted) throw signal.reason;

        delay = schedule.next(error);

        if (delay === undefined) throw error;
      }

      await wait(delay, signal);
    }
  }

  /** Returns a function with the parameters of `fn` that calls it under this policy. */
  wrap<A extends unknown[], T>(fn: (...args: A) => T | PromiseLike<T>): (...args: A) => Promise<T> {
    const wrapped = (...args: A) => this.execute(() => fn(...args));

    return Object.defineProperty(wrapped, 'length', { value: fn.length });
  }

  /**
   * Starts the retry decisions of one execution, for code that runs the attempts itself (an
   * Observable that resubscribes, say). `execute` runs on one.
   */
  schedule(): RetrySchedule {
    return new PolicySchedule(this.options);
  }

  private attempt<T>(
    fn: RetryableFunction<T>,
    attempt: number,
    signal: AbortSignal | undefined,
  ): Promise<T> {
    if (signal === undefined) {
      return new Promise<T>((resolve) => resolve(fn(NEVER_ABORTED, attempt)));
    }

    return new Promise<T>((resolve, reject) => {
      const controller = new AbortController();
      const abandon = () => {
        controller.abort(signal.reason);
        reject(signal.reason);
      };

      signal.addEventListener('abort', abandon, { once: true });

      new Promise<T>((run) => run(fn(controller.signal, attempt))).then(
        (value) => {
          signal.removeEventListener('abort', abandon);
          resolve(value);
        },
        (error: unknown) => {
          signal.removeEventListener('abort', abandon);
          reject(error);
        },
      );
    });
  }
}

class PolicySchedule implements RetrySchedule {
  attempt = 1;
  /** The last wait, or `initial` before the first; decorrelated jitter grows from it. */
  private previousDelay: number;

  constructor(private readonly options: ResolvedRetryOptions) {
    this.previousDelay = options.backoff.initial;
  }

  next(error: unknown): number | undefined {
    if (!this.shouldRetry(error)) return undefined;

    this.previousDelay = this.nextDelay();
    this.attempt++;

    return this.previousDelay;
  }

  private shouldRetry(error: unknown): boolean {
    if (this.attempt >= this.options.attempts) return false;

    if (isCircuitOpenError(error) || isBulkheadFullError(error)) return false;

    return this.options.retryOn === undefined || this.options.retryOn(error, this.attempt);
  }

  private nextDelay(): number {
    const { initial, multiplier, max, jitter } = this.options.backoff;

    if (jitter === 'decorrelated') {
      return Math.min(max, initial + Math.random() * (this.previousDelay * 3 - initial));
    }

    // With `initial` 0 the growth would reach 0 * Infinity, which is NaN, on a long schedule.
    const exponential =
      initial === 0 ? 0 : Math.min(max, initial * multiplier ** (this.attempt - 1));

    return jitter === 'full' ? Math.random() * exponential : exponential;
  }
}

/** Resolves after `ms` milliseconds, or rejects with the signal's reason as soon as it aborts. */
function wait(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal === undefined) {
      setTimeout(resolve, ms);

      return;
    }

    // The signal may have aborted after the attempt ended, while `retryOn` ran.
    if (signal.aborted) {
      reject(signal.reason);

      return;
    }

    const cancel = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', cancel);
      resolve();
    }, ms);

    signal.addEventListener('abort', cancel, { once: true });
  });
}
