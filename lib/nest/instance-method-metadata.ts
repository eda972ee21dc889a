import { SetMetadata } from '@nestjs/common';
import { staticMethodMessage } from './circuit-breaker.messages.js';

/**
 * Returns a method decorator that records `value` under `key` on the method, and refuses a static
 * method when its class is defined: only instance methods are ever bound to a breaker.
 *
 * @param decorator the decorator's name in the error, such as `@CircuitBreaker()`
 */
export function instanceMethodMetadata(
  key: string,
  value: unknown,
  decorator: string,
): MethodDecorator {
  const setMetadata = SetMetadata(key, value);

  return (target, propertyKey, descriptor) => {
    if (typeof target === 'function') {
      throw new TypeError(staticMethodMessage(target.name, String(propertyKey), decorator));
    }

    return setMetadata(target, propertyKey, descriptor);
  };
}
