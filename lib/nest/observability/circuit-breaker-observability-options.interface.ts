import type { MetricsOptions } from '../../observability/observability-options.js';

/** The module options that export what the breakers do. */
export interface CircuitBreakerObservabilityOptions {
  /**
   * Exports metrics about every breaker through `prom-client` and/or `@opentelemetry/api`, each
   * an optional peer dependency loaded only when enabled.
   * @example { prometheus: { prefix: 'shop_' }, openTelemetry: true }
   */
  metrics?: MetricsOptions;
  /**
   * Emits every state change as `'circuit-breaker.state-change'` through `EventEmitter2`, for
   * `@OnEvent()` handlers. Needs `@nestjs/event-emitter` with `EventEmitterModule.forRoot()`
   * among the application's imports.
   * @default false
   */
  events?: boolean;
}
