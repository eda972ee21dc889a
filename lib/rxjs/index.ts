export { withBreaker } from './with-breaker.operator.js';
export type { PermitSource } from './with-breaker.operator.js';
export { withRetry } from './with-retry.operator.js';
export type { RetryScheduleSource } from './with-retry.operator.js';
