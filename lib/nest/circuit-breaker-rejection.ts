import { isBulkheadFullError, isCircuitOpenError } from '../core/index.js';
import {
  CIRCUIT_OPEN_RESPONSE_MESSAGE,
  CIRCUIT_OPEN_STATUS_CODE,
} from './circuit-breaker.constants.js';

/** The payload that stands for a rejected call in every transport. */
export interface CircuitBreakerOpenResponse {
  statusCode: number;
  message: string;
  /** Seconds to wait before retrying; absent when unknown, as in forced-open. */
  retryAfter?: number;
}

/** A response object of Express (`header`, `setHeader`) or Fastify (`header`). */
interface HeaderTarget {
  header?: (name: string, value: string) => unknown;
  setHeader?: (name: string, value: string) => unknown;
}

/** Tells whether `error` is a breaker's rejection: an open circuit or a full bulkhead. */
export function isRejection(error: unknown): boolean {
  return isCircuitOpenError(error) || isBulkheadFullError(error);
}

/**
 * Builds the answer to a rejected call. It never names the breaker or the dependency.
 *
 * @param rejection a `CircuitOpenError` or a `BulkheadFullError`
 */
export function openCircuitResponse(rejection: unknown): CircuitBreakerOpenResponse {
  const retryAfterMs = isCircuitOpenError(rejection) ? rejection.retryAfter : undefined;

  return {
    statusCode: CIRCUIT_OPEN_STATUS_CODE,
    message: CIRCUIT_OPEN_RESPONSE_MESSAGE,
    retryAfter:
      retryAfterMs === undefined ? undefined : Math.max(1, Math.ceil(retryAfterMs / 1000)),
  };
}

/** Sets the `Retry-After` header of an Express or Fastify response, when the wait is known. */
export function setRetryAfter(response: unknown, retryAfter: number | undefined): void {
  if (retryAfter === undefined) return;

  const target = response as HeaderTarget;

  if (typeof target.header === 'function') {
    target.header('Retry-After', String(retryAfter));
  } else if (typeof target.setHeader === 'function') {
    target.setHeader('Retry-After', String(retryAfter));
  }
}
