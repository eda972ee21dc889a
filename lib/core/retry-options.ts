import { definedEntries } from './breaker-options.js';
import { BreakerConfigError } from './errors.js';
import { checkOptionEntries, MAX_TIMER_MS, type OptionCheck } from './validate-options.js';

/**
 * How the wait between attempts is randomised: `'full'` picks it at random between 0 and the
 * exponential delay, `'decorrelated'` at random between `initial` and three times the previous
 * wait, `'none'` uses the exponential delay as it is.
 */
export type RetryJitter = 'full' | 'decorrelated' | 'none';

/** How long a `RetryPolicy` waits between attempts. Durations are in milliseconds. */
export interface RetryBackoffOptions {
  /**
   * Wait before the second attempt, before jitter; also the shortest decorrelated wait.
   * @default 100
   */
  initial?: number;
  /**
   * Factor applied to the wait after each further failed attempt. Decorrelated jitter grows the
   * wait by its own rule and does not use it.
   * @default 2
   */
  multiplier?: number;
  /**
   * Longest wait between two attempts, in milliseconds.
   * @default 10_000
   */
  max?: number;
  /**
   * How the wait is randomised, so that many callers that failed together do not retry together.
   * @default 'full'
   */
  jitter?: RetryJitter;
}

/** Options of a `RetryPolicy`. Every option is optional. */
export interface RetryOptions {
  /**
   * Attempts in total, the first one included: `1` never retries.
   * @default 3
   */
  attempts?: number;
  /** How long to wait between attempts. */
  backoff?: RetryBackoffOptions;
  /**
   * Decides whether an error is worth another attempt; `attempt` is the number of the attempt
   * that failed, from 1. Without it every error is retried. Rejections by a breaker
   * (`CircuitOpenError`, `BulkheadFullError`) are never retried and never reach it.
   */
  retryOn?: (error: unknown, attempt: number) => boolean;
}

/** Retry options with every default applied, as the policy reads them. */
export interface ResolvedRetryOptions {
  attempts: number;
  backoff: Required<RetryBackoffOptions>;
  retryOn: ((error: unknown, attempt: number) => boolean) | undefined;
}

/** Defaults of every retry option that has one. The only place they are written. */
export const RETRY_DEFAULTS = Object.freeze({
  attempts: 3,
  backoff: Object.freeze({
    initial: 100,
    multiplier: 2,
    max: 10_000,
    jitter: 'full' as RetryJitter,
  }),
});

const JITTERS: readonly RetryJitter[] = ['full', 'decorrelated', 'none'];

const isFiniteNumber = (value: unknown): value is number =>
  typeof value === 'number' && Number.isFinite(value);

const RETRY_RULES: Record<keyof RetryOptions, OptionCheck> = {
  attempts: (value) =>
    Number.isInteger(value) && (value as number) >= 1 ? undefined : 'expected an integer >= 1',
  retryOn: (value) => (typeof value === 'function' ? undefined : 'expected a function'),
  // Its entries are checked by BACKOFF_RULES.
  backoff: (value) =>
    typeof value === 'object' && !Array.isArray(value) ? undefined : 'expected an object',
};

const BACKOFF_RULES: Record<keyof RetryBackoffOptions, OptionCheck> = {
  initial: (value) =>
    isFiniteNumber(value) && value >= 0 && value <= MAX_TIMER_MS
      ? undefined
      : `expected a number of milliseconds from 0 to ${MAX_TIMER_MS}`,
  multiplier: (value) =>
    isFiniteNumber(value) && value >= 1 ? undefined : 'expected a finite number >= 1',
  max: (value) =>
    isFiniteNumber(value) && value >= 0 && value <= MAX_TIMER_MS
      ? undefined
      : `expected a number of milliseconds from 0 to ${MAX_TIMER_MS}`,
  jitter: (value) =>
    JITTERS.includes(value as RetryJitter)
      ? undefined
      : `expected 'full', 'decorrelated' or 'none'`,
};

/**
 * Checks retry options and throws a `BreakerConfigError` naming the first invalid option, the
 * value received and what is allowed. `undefined` means the default; `null` and unknown keys are
 * errors.
 *
 * @param options the options to check
 * @param path prefix for option names in messages, such as `retry`
 * @throws BreakerConfigError
 */
export function validateRetryOptions(options: unknown, path = ''): void {
  const name = (key: string) => (path ? `${path}.${key}` : key);

  if (options === undefined) return;

  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new BreakerConfigError(
      path || 'options',
      options,
      'expected an object of options',
      'retry',
    );
  }

  checkOptionEntries(options as Record<string, unknown>, RETRY_RULES, name, 'retry');

  const backoff = (options as RetryOptions).backoff;

  if (backoff === undefined) return;

  checkOptionEntries(
    backoff as Record<string, unknown>,
    BACKOFF_RULES,
    (key) => name(`backoff.${key}`),
    'retry',
  );

  const { initial, max } = resolveRetryOptions(options as RetryOptions).backoff;

  if (max >= initial) return;

  // Names the option the caller wrote when the other one is a default.
  if ((backoff as RetryBackoffOptions).max === undefined) {
    throw new BreakerConfigError(
      name('backoff.initial'),
      initial,
      `the first wait cannot be longer than backoff.max (${max} ms)`,
      'retry',
    );
  }

  throw new BreakerConfigError(
    name('backoff.max'),
    max,
    `the longest wait cannot be shorter than backoff.initial (${initial} ms)`,
    'retry',
  );
}

/** Applies the defaults to already validated options. */
export function resolveRetryOptions(options: RetryOptions = {}): ResolvedRetryOptions {
  const given = definedEntries(options);
  const merged = { ...RETRY_DEFAULTS, ...given };

  return {
    attempts: merged.attempts,
    backoff: { ...RETRY_DEFAULTS.backoff, ...definedEntries(given.backoff ?? {}) },
    retryOn: given.retryOn,
  };
}
