import { Inject } from '@nestjs/common';
import { CIRCUIT_BREAKER_TOKEN_PREFIX } from './circuit-breaker.constants.js';

const injectedNames = new Set<string>();

/**
 * Returns the injection token of the named breaker, for `moduleRef.get()` or to override the
 * breaker in a testing module.
 *
 * @param name the breaker's name
 */
export function getCircuitBreakerToken(name: string): string {
  return `${CIRCUIT_BREAKER_TOKEN_PREFIX}${name}`;
}

/**
 * Injects the named `Breaker` from the module's registry. A name absent from the module option
 * `breakers` is created from `defaults`.
 *
 * @param name the breaker's name
 * @throws TypeError when `name` is not a non-empty string
 *
 * @example
 * constructor(@InjectCircuitBreaker('payments') private readonly breaker: Breaker) {}
 */
export function InjectCircuitBreaker(name: string): PropertyDecorator & ParameterDecorator {
  if (typeof name !== 'string' || name.length === 0) {
    throw new TypeError(
      `@InjectCircuitBreaker() expects a non-empty string as breaker name; received ${String(name)}.`,
    );
  }

  injectedNames.add(name);

  return Inject(getCircuitBreakerToken(name));
}

/** Lists the names passed to `@InjectCircuitBreaker()` so far, for the module's providers. */
export function getInjectedBreakerNames(): readonly string[] {
  return [...injectedNames];
}
