export {
  breakerEvents,
  emitStateChanges,
  STATE_CHANGE_EVENT,
} from './breaker-events.observable.js';
export type { EventEmitterLike } from './breaker-events.observable.js';
export { checkBreakerHealth } from './breaker-health.js';
export type { BreakerHealth, BreakerHealthReport } from './breaker-health.js';
export type {
  CallDurationsOption,
  MetricsOptions,
  OpenTelemetryMeter,
  OpenTelemetryMetricsOptions,
  PrometheusMetricsOptions,
  PrometheusRegistry,
} from './observability-options.js';
export {
  attachOpenTelemetryMetrics,
  OPENTELEMETRY_INSTRUMENT_NAMES,
  OPENTELEMETRY_METER_NAME,
} from './opentelemetry-metrics.js';
export type { PeerLoader } from './optional-peer.js';
export { attachPrometheusMetrics, PROMETHEUS_METRIC_NAMES } from './prometheus-metrics.js';
