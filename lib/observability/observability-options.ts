import { BreakerConfigError } from '../core/index.js';

/**
 * The methods of a `prom-client` `Registry` the metrics use. Declared here so that the package's
 * types do not require `prom-client` to be installed.
 */
export interface PrometheusRegistry {
  registerMetric(metric: object): void;
  getSingleMetric(name: string): unknown;
  removeSingleMetric(name: string): void;
}

/**
 * The methods of an OpenTelemetry `Meter` the metrics use. Declared here so that the package's
 * types do not require `@opentelemetry/api` to be installed.
 */
export interface OpenTelemetryMeter {
  createCounter(name: string, options?: object): unknown;
  createHistogram(name: string, options?: object): unknown;
  createObservableCounter(name: string, options?: object): unknown;
  createObservableGauge(name: string, options?: object): unknown;
}

/** What both exporters take about call durations. */
export interface CallDurationsOption {
  /**
   * Times every call for the call duration histogram, at two clock reads per call. `false` leaves
   * the histogram out, and calls untimed unless a breaker's `slowCallDuration` or another
   * exporter times them.
   * @default true
   */
  callDurations?: boolean;
}

/** Where Prometheus metrics go and how their names start. */
export interface PrometheusMetricsOptions extends CallDurationsOption {
  /**
   * The `prom-client` registry the metrics are registered in.
   * @default prom-client's global `register`
   */
  registry?: PrometheusRegistry;
  /**
   * Prepended to every metric name as given: `'shop_'` gives `shop_circuit_breaker_state`.
   * @default ''
   */
  prefix?: string;
}

/** Where OpenTelemetry instruments are created. */
export interface OpenTelemetryMetricsOptions extends CallDurationsOption {
  /**
   * The meter the instruments are created on.
   * @default the global meter provider's meter named `nestjs-breaker`
   */
  meter?: OpenTelemetryMeter;
}

/** Metrics exported about every breaker of a registry. */
export interface MetricsOptions {
  /**
   * Exports the metrics through `prom-client` (an optional peer dependency); `true` uses its
   * global registry.
   * @default false
   */
  prometheus?: boolean | PrometheusMetricsOptions;
  /**
   * Exports the metrics through `@opentelemetry/api` (an optional peer dependency); `true` uses
   * the global meter provider.
   * @default false
   */
  openTelemetry?: boolean | OpenTelemetryMetricsOptions;
}

const METRIC_NAME_PREFIX = /^([a-zA-Z_:][a-zA-Z0-9_:]*)?$/;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function hasMethods(value: unknown, methods: readonly string[]): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    methods.every((method) => typeof (value as Record<string, unknown>)[method] === 'function')
  );
}

function checkCallDurations(value: unknown, path: string): void {
  if (value !== undefined && typeof value !== 'boolean') {
    throw new BreakerConfigError(`${path}.callDurations`, value, 'expected a boolean');
  }
}

function rejectUnknownKeys(
  options: Record<string, unknown>,
  known: readonly string[],
  path: string,
): void {
  for (const [key, value] of Object.entries(options)) {
    if (!known.includes(key)) {
      throw new BreakerConfigError(`${path}.${key}`, value, `expected one of ${known.join(', ')}`);
    }
  }
}

/**
 * Checks Prometheus options before any package is loaded.
 *
 * @param options what `metrics.prometheus` received
 * @param path the option's name in messages
 * @throws BreakerConfigError naming the option, the value received and what is allowed
 */
export function validatePrometheusOptions(
  options: unknown,
  path = 'metrics.prometheus',
): asserts options is boolean | PrometheusMetricsOptions {
  if (typeof options === 'boolean') return;

  if (!isRecord(options)) {
    throw new BreakerConfigError(
      path,
      options,
      'expected a boolean or { registry?, prefix?, callDurations? }',
    );
  }

  rejectUnknownKeys(options, ['registry', 'prefix', 'callDurations'], path);
  checkCallDurations(options.callDurations, path);

  const { registry, prefix } = options;

  if (
    registry !== undefined &&
    !hasMethods(registry, ['registerMetric', 'getSingleMetric', 'removeSingleMetric'])
  ) {
    throw new BreakerConfigError(`${path}.registry`, registry, 'expected a prom-client Registry');
  }

  if (prefix !== undefined && (typeof prefix !== 'string' || !METRIC_NAME_PREFIX.test(prefix))) {
    throw new BreakerConfigError(
      `${path}.prefix`,
      prefix,
      'expected a string of letters, digits, "_" and ":" that does not start with a digit',
    );
  }
}

/**
 * Checks OpenTelemetry options before any package is loaded.
 *
 * @param options what `metrics.openTelemetry` received
 * @param path the option's name in messages
 * @throws BreakerConfigError naming the option, the value received and what is allowed
 */
export function validateOpenTelemetryOptions(
  options: unknown,
  path = 'metrics.openTelemetry',
): asserts options is boolean | OpenTelemetryMetricsOptions {
  if (typeof options === 'boolean') return;

  if (!isRecord(options)) {
    throw new BreakerConfigError(path, options, 'expected a boolean or { meter?, callDurations? }');
  }

  rejectUnknownKeys(options, ['meter', 'callDurations'], path);
  checkCallDurations(options.callDurations, path);

  const { meter } = options;
  const instruments = [
    'createCounter',
    'createHistogram',
    'createObservableCounter',
    'createObservableGauge',
  ];

  if (meter !== undefined && !hasMethods(meter, instruments)) {
    throw new BreakerConfigError(`${path}.meter`, meter, 'expected an OpenTelemetry Meter');
  }
}

/**
 * Checks the `metrics` option before any package is loaded.
 *
 * @param options what `metrics` received
 * @throws BreakerConfigError naming the option, the value received and what is allowed
 */
export function validateMetricsOptions(options: unknown): asserts options is MetricsOptions {
  if (!isRecord(options)) {
    throw new BreakerConfigError('metrics', options, 'expected { prometheus?, openTelemetry? }');
  }

  rejectUnknownKeys(options, ['prometheus', 'openTelemetry'], 'metrics');

  if (options.prometheus !== undefined) validatePrometheusOptions(options.prometheus);

  if (options.openTelemetry !== undefined) validateOpenTelemetryOptions(options.openTelemetry);
}
