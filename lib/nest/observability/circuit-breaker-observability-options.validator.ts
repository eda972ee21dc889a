import { BreakerConfigError } from '../../core/index.js';
import { validateMetricsOptions } from '../../observability/observability-options.js';
import type { CircuitBreakerObservabilityOptions } from './circuit-breaker-observability-options.interface.js';

/** The module option keys this layer adds. */
export const OBSERVABILITY_OPTION_KEYS: readonly string[] = ['metrics', 'events'];

/**
 * Checks `metrics` and `events` when the module starts, before any optional package is loaded.
 *
 * @param options the module options
 * @throws BreakerConfigError naming the option, the value received and what is allowed
 */
export function validateObservabilityOptions(options: {
  metrics?: unknown;
  events?: unknown;
}): asserts options is CircuitBreakerObservabilityOptions {
  const { metrics, events } = options;

  if (metrics !== undefined) validateMetricsOptions(metrics);

  if (events !== undefined && typeof events !== 'boolean') {
    throw new BreakerConfigError('events', events, 'expected a boolean');
  }
}
