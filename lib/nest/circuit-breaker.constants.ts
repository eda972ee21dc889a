/** Metadata key under which `@CircuitBreaker()` stores its settings on a method. */
export const CIRCUIT_BREAKER_METADATA = 'nestjs-breaker:circuit-breaker';

/** Metadata key under which `@Retry()` stores its options on a method. */
export const RETRY_METADATA = 'nestjs-breaker:retry';

/** Prefix of the injection tokens of breakers injected by name. */
export const CIRCUIT_BREAKER_TOKEN_PREFIX = 'nestjs-breaker:breaker:';

/** Message of the response sent when an open circuit rejects a request. */
export const CIRCUIT_OPEN_RESPONSE_MESSAGE = 'Service temporarily unavailable';

/** The status code sent when an open circuit rejects a request. */
export const CIRCUIT_OPEN_STATUS_CODE = 503;
