import type { ResolvedBreakerOptions } from './breaker-options.js';
import { isCallTimeoutError } from './errors.js';

/** How one call ended, as the breaker counts it. */
export type Outcome = 'success' | 'failure' | 'ignored';

const OVERLOAD_STATUSES = new Set([408, 429]);

/**
 * Reads the HTTP status an error carries: `getStatus()` (NestJS `HttpException`), else a numeric
 * `status` field (HTTP clients).
 */
function statusOf(error: object): number | undefined {
  const candidate = error as { getStatus?: unknown; status?: unknown };

  if (typeof candidate.getStatus === 'function') {
    const status: unknown = candidate.getStatus();

    return typeof status === 'number' ? status : undefined;
  }

  return typeof candidate.status === 'number' ? candidate.status : undefined;
}

/**
 * Applies the default rule: client errors (status below 500, except the overload signals 408 and
 * 429) and aborts the breaker did not cause are ignored; everything else is a failure.
 */
function defaultOutcome(error: unknown, timedOut: boolean): Outcome {
  if (typeof error !== 'object' || error === null) return 'failure';

  const status = statusOf(error);

  if (status !== undefined && status < 500) {
    return OVERLOAD_STATUSES.has(status) ? 'failure' : 'ignored';
  }

  if ((error as { name?: unknown }).name === 'AbortError' && !timedOut) return 'ignored';

  return 'failure';
}

/**
 * Decides how a thrown error counts. `CallTimeoutError` is always a failure; an error whose status
 * cannot be read (a `getStatus()` that throws, say) and a classifier that throws count the call as
 * a failure.
 *
 * @param timedOut whether the breaker's own `callTimeout` aborted the call
 */
export function classifyError(
  error: unknown,
  options: ResolvedBreakerOptions,
  timedOut: boolean,
): Outcome {
  try {
    if (isCallTimeoutError(error)) return 'failure';

    if (options.isFailure === undefined) return defaultOutcome(error, timedOut);

    const verdict = options.isFailure(error);

    if (verdict === 'ignore') return 'ignored';

    return verdict ? 'failure' : 'success';
  } catch {
    return 'failure';
  }
}

/** Decides how a returned value counts under `isResultFailure`; a predicate that throws fails. */
export function classifyResult(result: unknown, options: ResolvedBreakerOptions): Outcome {
  if (options.isResultFailure === undefined) return 'success';

  try {
    return options.isResultFailure(result) ? 'failure' : 'success';
  } catch {
    return 'failure';
  }
}
