import type { BreakerOptions } from '../core/index.js';
import type { CircuitBreakerObservabilityOptions } from './observability/circuit-breaker-observability-options.interface.js';

/**
 * Options of `CircuitBreakerModule.forRoot()`, or what `forRootAsync()` resolves. `metrics` and
 * `events` come from `CircuitBreakerObservabilityOptions`.
 */
export interface CircuitBreakerModuleOptions extends CircuitBreakerObservabilityOptions {
  /** Options every breaker starts from; a named entry and decorator overrides apply on top. */
  defaults?: BreakerOptions;
  /** Options per breaker name, merged over `defaults`. Validated when the module starts. */
  breakers?: Record<string, BreakerOptions>;
  /**
   * Most breakers kept for names outside `breakers`; past it the least recently used idle closed
   * one is evicted. Unlimited when not set.
   */
  maxBreakers?: number;
  /**
   * Logs every state change through Nest's `Logger`: warn on open, forced-open and disabled, log
   * on close, debug on half-open.
   * @default true
   */
  logging?: boolean;
}

/** A class that `forRootAsync({ useClass })` instantiates to produce the module options. */
export interface CircuitBreakerModuleOptionsFactory {
  /** Produces the module options. */
  create(): CircuitBreakerModuleOptions | Promise<CircuitBreakerModuleOptions>;
}
