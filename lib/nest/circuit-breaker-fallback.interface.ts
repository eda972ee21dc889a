import type { Observable } from 'rxjs';

/** Describes the call a fallback stands in for. */
export interface CircuitBreakerFallbackContext {
  /** The name of the breaker that protected the call. */
  breaker: string;
  /** The class that declares the protected method. */
  className: string;
  /** The protected method. */
  methodName: string;
  /** The arguments the method was called with. */
  args: unknown[];
}

/**
 * An injectable class that answers in place of a protected method when the call is rejected or
 * fails, as chosen by `fallbackOn`. Register it as a provider; it is resolved from any module.
 */
export interface CircuitBreakerFallback<T = unknown> {
  /**
   * Produces the answer for the caller, or throws to pass an error on.
   * @param error the rejection or error that ended the call
   * @param context the breaker, class, method and arguments of the call
   */
  handle(error: unknown, context: CircuitBreakerFallbackContext): T | Promise<T> | Observable<T>;
}
