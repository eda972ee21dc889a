export { Breaker } from './breaker.js';
export { BreakerRegistry } from './breaker-registry.js';
export type { BreakerRegistryOptions, RegistryEventMap } from './breaker-registry.js';
export { BREAKER_DEFAULTS } from './breaker-options.js';
export type {
  BackoffOptions,
  BreakerOptions,
  FailureVerdict,
  WindowOptions,
} from './breaker-options.js';
export type {
  BreakerEventMap,
  BreakerEventName,
  BreakerListener,
  CallEvent,
} from './breaker-events.js';
export type {
  BreakerSnapshot,
  BreakerStats,
  StateChangeEvent,
  WindowSnapshot,
} from './breaker-snapshot.js';
export type { BreakerState, TransitionReason } from './breaker-state.js';
export type { Permit } from './call-permit.js';
export type { CallOutcome } from './call-tally.js';
export {
  BreakerConfigError,
  BulkheadFullError,
  CallTimeoutError,
  CircuitOpenError,
  isBulkheadFullError,
  isCallTimeoutError,
  isCircuitOpenError,
} from './errors.js';
export { validateBreakerOptions } from './validate-options.js';
export { RetryPolicy } from './retry-policy.js';
export type { RetryableFunction, RetryExecuteOptions, RetrySchedule } from './retry-policy.js';
export { RETRY_DEFAULTS, validateRetryOptions } from './retry-options.js';
export type { RetryBackoffOptions, RetryJitter, RetryOptions } from './retry-options.js';
