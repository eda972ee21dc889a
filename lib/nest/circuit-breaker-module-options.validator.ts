import { BreakerConfigError } from '../core/index.js';
import type { CircuitBreakerModuleOptions } from './circuit-breaker-module-options.interface.js';
import {
  BREAKERS_EXPECTED,
  LOGGING_EXPECTED,
  MODULE_OPTIONS_EXPECTED,
  unknownModuleOptionExpected,
} from './circuit-breaker.messages.js';
import { OBSERVABILITY_OPTION_KEYS } from './observability/circuit-breaker-observability-options.validator.js';

/** The keys the module options accept; `isGlobal` belongs to `forRoot()` and is tolerated here. */
const MODULE_OPTION_KEYS: readonly string[] = [
  'defaults',
  'breakers',
  'maxBreakers',
  'logging',
  'isGlobal',
  ...OBSERVABILITY_OPTION_KEYS,
];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Checks the shape of the module options and the options the engine's registry does not know
 * (`logging`, unknown keys); the registry then checks `defaults`, each entry of `breakers` and
 * `maxBreakers`. Runs when the module starts, so that a bad option stops bootstrap.
 *
 * @param options what `forRoot()` received or `forRootAsync()` resolved
 * @returns the options, unchanged
 * @throws BreakerConfigError naming the option, the value received and what is allowed
 */
export function validateModuleOptions(options: unknown): CircuitBreakerModuleOptions {
  if (options === undefined) return {};

  if (!isRecord(options)) {
    throw new BreakerConfigError('CircuitBreakerModule options', options, MODULE_OPTIONS_EXPECTED);
  }

  for (const [key, value] of Object.entries(options)) {
    if (!MODULE_OPTION_KEYS.includes(key)) {
      throw new BreakerConfigError(key, value, unknownModuleOptionExpected(MODULE_OPTION_KEYS));
    }
  }

  const { breakers, logging } = options;

  if (breakers !== undefined && !isRecord(breakers)) {
    throw new BreakerConfigError('breakers', breakers, BREAKERS_EXPECTED);
  }

  if (logging !== undefined && typeof logging !== 'boolean') {
    throw new BreakerConfigError('logging', logging, LOGGING_EXPECTED);
  }

  return options as CircuitBreakerModuleOptions;
}
