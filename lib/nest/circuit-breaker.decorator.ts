import type { CircuitBreakerMethodOptions } from './circuit-breaker-method-options.interface.js';
import { CIRCUIT_BREAKER_METADATA } from './circuit-breaker.constants.js';
import { instanceMethodMetadata } from './instance-method-metadata.js';

/** What `@CircuitBreaker()` records on a method. */
export interface CircuitBreakerMetadata {
  /** The breaker's name; `ClassName.methodName` when not given. */
  name: string | undefined;
  /** Breaker option overrides and fallback settings. */
  options: CircuitBreakerMethodOptions;
}

/**
 * Puts a method of a provider or controller behind a named breaker of the module's registry.
 * Without a name the breaker is `ClassName.methodName`. The method keeps its return shape: a sync
 * method stays sync, a promise stays a promise, and a method declared to return an `Observable`
 * runs when the Observable is subscribed, which is when the breaker admits the call.
 *
 * @param name the breaker's name; breakers are shared by name across the application
 * @param options breaker option overrides applied when the breaker is created, plus `fallback`
 *   and `fallbackOn`
 * @throws TypeError when `name` is given but is not a non-empty string, or on a static method
 *
 * @example
 * @CircuitBreaker('payments', { fallback: 'cachedQuote' })
 * async quote(id: string): Promise<Quote> {
 *   return this.payments.quote(id);
 * }
 */
export function CircuitBreaker(
  name?: string,
  options?: CircuitBreakerMethodOptions,
): MethodDecorator;
/**
 * Puts a method behind the breaker named `ClassName.methodName`, with option overrides and a
 * fallback.
 *
 * @param options breaker option overrides, plus `fallback` and `fallbackOn`
 *
 * @example
 * @CircuitBreaker({ callTimeout: 2_000, fallback: StaleQuoteFallback })
 * async quote(id: string): Promise<Quote> {
 *   return this.payments.quote(id);
 * }
 */
export function CircuitBreaker(options: CircuitBreakerMethodOptions): MethodDecorator;
export function CircuitBreaker(
  nameOrOptions?: string | CircuitBreakerMethodOptions,
  options: CircuitBreakerMethodOptions = {},
): MethodDecorator {
  if (typeof nameOrOptions === 'object' && nameOrOptions !== null) {
    return CircuitBreaker(undefined, nameOrOptions);
  }

  if (nameOrOptions !== undefined && (typeof nameOrOptions !== 'string' || !nameOrOptions)) {
    throw new TypeError(
      `@CircuitBreaker() expects a non-empty string as breaker name; received ${String(nameOrOptions)}.`,
    );
  }

  const metadata: CircuitBreakerMetadata = { name: nameOrOptions, options };

  return instanceMethodMetadata(CIRCUIT_BREAKER_METADATA, metadata, '@CircuitBreaker()');
}
