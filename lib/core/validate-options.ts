import {
  resolveBreakerOptions,
  type BreakerOptions,
  type ResolvedBreakerOptions,
} from './breaker-options.js';
import { BreakerConfigError } from './errors.js';

/** Checks one option value: returns what is wrong with it, or `undefined` when it is allowed. */
export type OptionCheck = (value: unknown) => string | undefined;

type Check = OptionCheck;

/** The longest delay a Node.js timer can hold; a longer one fires after 1 ms instead. */
export const MAX_TIMER_MS = 2_147_483_647;

const isNumber = (value: unknown): value is number =>
  typeof value === 'number' && !Number.isNaN(value);

const positiveInteger: Check = (value) =>
  isNumber(value) && Number.isInteger(value) && value >= 1 ? undefined : 'expected an integer >= 1';

const positiveDuration: Check = (value) =>
  isNumber(value) && Number.isFinite(value) && value > 0
    ? undefined
    : 'expected a finite number of milliseconds > 0';

const timerDuration: Check = (value) =>
  isNumber(value) && value > 0 && value <= MAX_TIMER_MS
    ? undefined
    : `expected a number of milliseconds > 0 and <= ${MAX_TIMER_MS} (the longest timer delay)`;

const durationOrInfinity: Check = (value) =>
  isNumber(value) && value > 0 ? undefined : 'expected a number of milliseconds > 0 or Infinity';

const rate: Check = (value) =>
  isNumber(value) && value > 0 && value <= 1 ? undefined : 'expected a number with 0 < r <= 1';

const fraction: Check = (value) =>
  isNumber(value) && value >= 0 && value <= 1 ? undefined : 'expected a number from 0 to 1';

const multiplier: Check = (value) =>
  isNumber(value) && Number.isFinite(value) && value >= 1
    ? undefined
    : 'expected a finite number >= 1';

const nonEmptyString: Check = (value) =>
  typeof value === 'string' && value.length > 0 ? undefined : 'expected a non-empty string';

const func: Check = (value) => (typeof value === 'function' ? undefined : 'expected a function');

const plainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const OPTION_CHECKS: Record<keyof BreakerOptions, Check | undefined> = {
  name: nonEmptyString,
  maxFailures: positiveInteger,
  timeout: positiveDuration,
  maxRequests: positiveInteger,
  failureRateThreshold: rate,
  slowCallThreshold: rate,
  slowCallDuration: positiveDuration,
  minimumCalls: positiveInteger,
  callTimeout: timerDuration,
  maxConcurrent: positiveInteger,
  isFailure: func,
  isResultFailure: func,
  clock: func,
  // Checked by their own functions below.
  window: undefined,
  backoff: undefined,
  initialState: undefined,
};

const BACKOFF_CHECKS: Record<string, Check> = {
  multiplier,
  max: durationOrInfinity,
  jitter: fraction,
};

const WINDOW_KINDS = ['time', 'count'];

/**
 * Checks breaker options and throws a `BreakerConfigError` naming the first invalid option, the
 * value received and what is allowed. `undefined` means the default; `null` and unknown keys are
 * errors.
 *
 * @param options the options to check
 * @param path prefix for option names in messages, such as `breakers.payments`
 * @throws BreakerConfigError
 */
export function validateBreakerOptions(options: unknown, path = ''): void {
  const name = (key: string) => (path ? `${path}.${key}` : key);

  if (options === undefined) return;

  if (!plainObject(options)) {
    throw new BreakerConfigError(path || 'options', options, 'expected an object of options');
  }

  checkOptionEntries(options, OPTION_CHECKS, name);

  if (options.window !== undefined) validateWindow(options.window, name('window'));
  if (options.backoff !== undefined) checkObject(options.backoff, BACKOFF_CHECKS, name('backoff'));
  if (options.initialState !== undefined && !plainObject(options.initialState)) {
    throw new BreakerConfigError(
      name('initialState'),
      options.initialState,
      'expected a snapshot from breaker.toJSON()',
    );
  }

  validateCombinations(resolveBreakerOptions(options as BreakerOptions), name);
}

/**
 * Checks each entry of `options` against its check, throwing a `BreakerConfigError` for an unknown
 * key, a `null`, or a value its check refuses. `undefined` entries mean the default.
 */
export function checkOptionEntries(
  options: Record<string, unknown>,
  checks: Record<string, Check | undefined>,
  name: (key: string) => string,
  subject: 'breaker' | 'retry' = 'breaker',
): void {
  for (const [key, value] of Object.entries(options)) {
    if (!Object.hasOwn(checks, key)) {
      throw new BreakerConfigError(
        name(key),
        value,
        `unknown option; known options are ${Object.keys(checks).join(', ')}`,
        subject,
      );
    }

    if (value === undefined) continue;

    const problem = value === null ? 'null is not allowed' : checks[key]?.(value);

    if (problem !== undefined) throw new BreakerConfigError(name(key), value, problem, subject);
  }
}

function checkObject(value: unknown, checks: Record<string, Check>, path: string): void {
  if (!plainObject(value)) throw new BreakerConfigError(path, value, 'expected an object');

  checkOptionEntries(value, checks, (key) => `${path}.${key}`);
}

function validateWindow(window: unknown, path: string): void {
  if (!plainObject(window)) throw new BreakerConfigError(path, window, 'expected an object');

  if (!WINDOW_KINDS.includes(window.kind as string)) {
    throw new BreakerConfigError(`${path}.kind`, window.kind, `expected 'time' or 'count'`);
  }

  if (window.kind === 'count') {
    checkObject(window, { kind: () => undefined, size: positiveInteger }, path);

    if (window.size === undefined) {
      throw new BreakerConfigError(`${path}.size`, undefined, 'a count window needs a size');
    }

    return;
  }

  checkObject(
    window,
    { kind: () => undefined, duration: positiveDuration, buckets: positiveInteger },
    path,
  );
}

function validateCombinations(
  options: ResolvedBreakerOptions,
  name: (key: string) => string,
): void {
  const { window, minimumCalls, timeout, backoff } = options;

  if (options.slowCallThreshold !== undefined && options.slowCallDuration === undefined) {
    throw new BreakerConfigError(
      name('slowCallThreshold'),
      options.slowCallThreshold,
      'slowCallThreshold needs slowCallDuration to say which calls are slow',
    );
  }

  if (backoff !== undefined && backoff.max < timeout) {
    throw new BreakerConfigError(
      name('backoff.max'),
      backoff.max,
      `the longest open duration cannot be shorter than timeout (${timeout} ms)`,
    );
  }

  if (window?.kind === 'count' && window.size < minimumCalls) {
    throw new BreakerConfigError(
      name('window.size'),
      window.size,
      `a count window must hold at least minimumCalls (${minimumCalls}) outcomes`,
    );
  }

  if (window?.kind === 'time' && window.duration / window.buckets < 1) {
    throw new BreakerConfigError(
      name('window.buckets'),
      window.buckets,
      `each bucket must cover at least 1 ms of the ${window.duration} ms window`,
    );
  }
}
