import type { BreakerState } from './breaker-state.js';

const CIRCUIT_OPEN_BRAND = Symbol.for('nestjs-breaker.CircuitOpenError');
const BULKHEAD_FULL_BRAND = Symbol.for('nestjs-breaker.BulkheadFullError');
const CALL_TIMEOUT_BRAND = Symbol.for('nestjs-breaker.CallTimeoutError');

type Writable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * Creates an instance of an error class without running its constructor. Rejections are the hot
 * path while a dependency is down: the `Error` constructor costs far more than the rejection
 * itself, and its stack would only point into the breaker. The caller then sets the fields.
 */
function blankInstance<T extends Error>(type: abstract new (...args: never[]) => T): Writable<T> {
  return Object.create(type.prototype) as Writable<T>;
}

/**
 * Prepares the prototype of a rejection class for `blankInstance`: the brand, and `message` and
 * `stack` as getters built from the instance's fields.
 */
function prepareRejectionPrototype<T extends Error>(
  type: abstract new (...args: never[]) => T,
  brand: symbol,
  message: (error: T) => string,
): void {
  Object.defineProperties(type.prototype, {
    [brand]: { value: true },
    message: {
      configurable: true,
      get(this: T) {
        return message(this);
      },
    },
    stack: {
      configurable: true,
      get(this: T) {
        return `${this.name}: ${this.message}`;
      },
    },
  });
}

/**
 * Thrown at construction or module start when a breaker or retry option is invalid. The message
 * names the option, the value received and what is allowed.
 */
export class BreakerConfigError extends Error {
  override readonly name = 'BreakerConfigError';

  /**
   * @param option the option's path, such as `window.size` or `breakers.payments.timeout`
   * @param value the value that was received
   * @param expected what the option allows
   * @param subject what the option configures, named in the message: `breaker` or `retry`
   */
  constructor(
    readonly option: string,
    readonly value: unknown,
    readonly expected: string,
    subject: 'breaker' | 'retry' = 'breaker',
  ) {
    super(`Invalid ${subject} option "${option}": received ${describeValue(value)}; ${expected}.`);
  }
}

/**
 * Rejects a call that an open circuit, or a half-open circuit with no probe slot left, will not
 * let through. It never counts as a failure of the dependency. It carries no stack trace, so that
 * creating one stays cheap.
 */
export class CircuitOpenError extends Error {
  override readonly name = 'CircuitOpenError';
  declare readonly [CIRCUIT_OPEN_BRAND]: true;

  /**
   * @param breaker the name of the breaker that rejected the call
   * @param state the state the breaker was in
   * @param retryAfter milliseconds until probes are admitted (open) or the half-open period ends
   *   (half-open); `undefined` when unknown, as in forced-open
   */
  constructor(
    readonly breaker: string,
    readonly state: BreakerState,
    readonly retryAfter: number | undefined,
  ) {
    super(circuitOpenMessage(breaker, state));
  }

  /** Creates the error without running the `Error` constructor or capturing a stack trace. */
  static create(
    breaker: string,
    state: BreakerState,
    retryAfter: number | undefined,
  ): CircuitOpenError {
    const error = blankInstance(CircuitOpenError);

    error.name = 'CircuitOpenError';
    error.breaker = breaker;
    error.state = state;
    error.retryAfter = retryAfter;

    return error;
  }
}

function circuitOpenMessage(breaker: string, state: BreakerState): string {
  return `Circuit "${breaker}" is ${state}; the call was rejected without being attempted.`;
}

prepareRejectionPrototype(CircuitOpenError, CIRCUIT_OPEN_BRAND, (error) =>
  circuitOpenMessage(error.breaker, error.state),
);

/**
 * Rejects a call that outlived the breaker's `callTimeout`. The call's `AbortSignal` is aborted
 * with this error, and the call counts as a failure.
 */
export class CallTimeoutError extends Error {
  override readonly name = 'CallTimeoutError';
  readonly [CALL_TIMEOUT_BRAND] = true;

  /**
   * @param breaker the name of the breaker whose deadline passed
   * @param timeoutMs the deadline that passed, in milliseconds
   */
  constructor(
    readonly breaker: string,
    readonly timeoutMs: number,
  ) {
    super(`Call through breaker "${breaker}" timed out after ${timeoutMs} ms.`);
  }
}

/**
 * Rejects a call beyond the breaker's `maxConcurrent` calls in flight. Like an open circuit, it is
 * a rejection and never counts as a failure of the dependency.
 */
export class BulkheadFullError extends Error {
  override readonly name = 'BulkheadFullError';
  declare readonly [BULKHEAD_FULL_BRAND]: true;

  /**
   * @param breaker the name of the breaker that rejected the call
   * @param maxConcurrent the limit of concurrent calls that was reached
   */
  constructor(
    readonly breaker: string,
    readonly maxConcurrent: number,
  ) {
    super(bulkheadFullMessage(breaker, maxConcurrent));
  }

  /** Creates the error without running the `Error` constructor or capturing a stack trace. */
  static create(breaker: string, maxConcurrent: number): BulkheadFullError {
    const error = blankInstance(BulkheadFullError);

    error.name = 'BulkheadFullError';
    error.breaker = breaker;
    error.maxConcurrent = maxConcurrent;

    return error;
  }
}

function bulkheadFullMessage(breaker: string, maxConcurrent: number): string {
  return `Breaker "${breaker}" already runs ${maxConcurrent} concurrent calls; call rejected.`;
}

prepareRejectionPrototype(BulkheadFullError, BULKHEAD_FULL_BRAND, (error) =>
  bulkheadFullMessage(error.breaker, error.maxConcurrent),
);

function hasBrand(error: unknown, brand: symbol): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as Record<symbol, unknown>)[brand] === true
  );
}

/** Tells whether `error` is a `CircuitOpenError`, even one from another copy of this package. */
export function isCircuitOpenError(error: unknown): error is CircuitOpenError {
  return hasBrand(error, CIRCUIT_OPEN_BRAND);
}

/** Tells whether `error` is a `BulkheadFullError`, even one from another copy of this package. */
export function isBulkheadFullError(error: unknown): error is BulkheadFullError {
  return hasBrand(error, BULKHEAD_FULL_BRAND);
}

/** Tells whether `error` is a `CallTimeoutError`, even one from another copy of this package. */
export function isCallTimeoutError(error: unknown): error is CallTimeoutError {
  return hasBrand(error, CALL_TIMEOUT_BRAND);
}

/** Renders a received option value for an error message. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'bigint') return `${value}n`;
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object' && value !== null) return 'an object';

  return String(value);
}
