export { CircuitBreakerHealthIndicator } from './circuit-breaker.health.js';
export type {
  CircuitBreakerHealthOptions,
  CircuitBreakerHealthResult,
} from './circuit-breaker.health.js';
export type { CircuitBreakerObservabilityOptions } from './circuit-breaker-observability-options.interface.js';
