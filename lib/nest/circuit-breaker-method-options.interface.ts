import type { Type } from '@nestjs/common';
import type { BreakerOptions } from '../core/index.js';
import type { CircuitBreakerFallback } from './circuit-breaker-fallback.interface.js';

/**
 * Which errors reach a fallback: `'rejection'` only calls the breaker rejected (open circuit, full
 * bulkhead), `'failure'` also errors the breaker counts as failures (timeouts included), `'any'`
 * every error.
 */
export type CircuitBreakerFallbackOn = 'rejection' | 'failure' | 'any';

/**
 * Settings of `@CircuitBreaker()`: breaker option overrides, applied over the module's `defaults`
 * and the named entry when the breaker is created, plus the fallback.
 */
export interface CircuitBreakerMethodOptions extends Omit<BreakerOptions, 'name' | 'initialState'> {
  /**
   * The name of a method of the same class, called with the original arguments followed by the
   * error, or an injectable class implementing `CircuitBreakerFallback`.
   */
  fallback?: string | Type<CircuitBreakerFallback>;
  /**
   * Which errors reach the fallback.
   * @default 'rejection'
   */
  fallbackOn?: CircuitBreakerFallbackOn;
}
