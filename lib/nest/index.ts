export { CircuitBreaker } from './circuit-breaker.decorator.js';
export type {
  CircuitBreakerFallback,
  CircuitBreakerFallbackContext,
} from './circuit-breaker-fallback.interface.js';
export { CircuitBreakerExceptionFilter } from './circuit-breaker.filter.js';
export { CircuitBreakerInterceptor } from './circuit-breaker.interceptor.js';
export type { CircuitBreakerOpenResponse } from './circuit-breaker-rejection.js';
export type {
  CircuitBreakerFallbackOn,
  CircuitBreakerMethodOptions,
} from './circuit-breaker-method-options.interface.js';
export { CircuitBreakerModule } from './circuit-breaker.module.js';
export type {
  CircuitBreakerModuleAsyncOptions,
  CircuitBreakerModuleExtras,
  CircuitBreakerModuleRootOptions,
} from './circuit-breaker.module-definition.js';
export type {
  CircuitBreakerModuleOptions,
  CircuitBreakerModuleOptionsFactory,
} from './circuit-breaker-module-options.interface.js';
export { CircuitBreakerRegistry } from './circuit-breaker.registry.js';
export { currentCallSignal } from './current-call-signal.js';
export {
  getCircuitBreakerToken,
  InjectCircuitBreaker,
} from './inject-circuit-breaker.decorator.js';
export { Retry } from './retry.decorator.js';
export { CircuitBreakerHealthIndicator } from './observability/index.js';
export type {
  CircuitBreakerHealthOptions,
  CircuitBreakerHealthResult,
  CircuitBreakerObservabilityOptions,
} from './observability/index.js';
