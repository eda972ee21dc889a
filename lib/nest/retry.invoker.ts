import { defer, type Observable } from 'rxjs';
import { BreakerConfigError, RetryPolicy, validateRetryOptions } from '../core/index.js';
import { describeValue } from '../core/errors.js';
import { withRetry } from '../rxjs/index.js';
import type { MethodInvoker } from './circuit-breaker.dispatcher.js';
import {
  type CircuitBreakerInvoker,
  type ReturnShape,
  toObservable,
} from './circuit-breaker.invoker.js';
import { invalidRetryOptionMessage, synchronousRetryMessage } from './circuit-breaker.messages.js';
import type { RetryMetadata } from './retry.decorator.js';

/** The checked `@Retry()` settings of one method. */
export interface RetrySetup {
  policy: RetryPolicy;
  /** How the method returns; only promises and Observables can be retried. */
  shape: Exclude<ReturnShape, 'unknown'>;
}

/** Everything a retry invoker needs to run one method of one instance under its policy. */
export interface RetryInvokerSettings extends RetrySetup {
  original: (...args: unknown[]) => unknown;
  /** The breaker step of a method that also has `@CircuitBreaker()`. */
  breaker: CircuitBreakerInvoker | undefined;
}

/**
 * Checks the options of a method decorated with `@Retry()` and builds its policy, refusing a
 * method that does not return a promise or an Observable.
 *
 * @param shape how the method returns, as told by its declaration
 * @throws Error naming the class, the method and the invalid option, or saying that the method
 *   is synchronous
 */
export function defineRetry(
  className: string,
  methodName: string,
  metadata: RetryMetadata,
  shape: ReturnShape,
): RetrySetup {
  const path = `${className}.${methodName}`;

  try {
    validateRetryOptions(metadata.options, path);
  } catch (error) {
    if (!(error instanceof BreakerConfigError)) throw error;

    const option = error.option.startsWith(`${path}.`)
      ? error.option.slice(path.length + 1)
      : 'options';
    const message = invalidRetryOptionMessage(
      className,
      methodName,
      option,
      describeValue(error.value),
      error.expected,
    );

    throw new Error(message, { cause: error });
  }

  if (shape === 'unknown') throw new Error(synchronousRetryMessage(className, methodName));

  return { policy: new RetryPolicy(metadata.options), shape };
}

/**
 * Runs a method decorated with `@Retry()` under its policy, in the order fallback, retry,
 * breaker, method: each attempt goes through the breaker on its own (one permit, one outcome),
 * an open circuit ends the retries, and the fallback answers once, after the last attempt. A
 * promise-returning method returns a promise; an Observable is retried by subscribing to the
 * method's Observable again, which calls the method again.
 */
export class RetryInvoker implements MethodInvoker {
  constructor(private readonly settings: RetryInvokerSettings) {}

  /** Calls the method on `instance` with `args`, retrying it under the policy. */
  invoke(instance: object, args: unknown[]): unknown {
    return this.settings.shape === 'observable'
      ? this.invokeObservable(instance, args)
      : this.invokePromise(instance, args);
  }

  private invokePromise(instance: object, args: unknown[]): Promise<unknown> {
    const { policy, breaker } = this.settings;
    const retried = policy.execute(() => this.attempt(instance, args));

    return breaker === undefined
      ? retried
      : retried.catch((error: unknown) => breaker.recover(error, instance, args));
  }

  private invokeObservable(instance: object, args: unknown[]): Observable<unknown> {
    const { policy, breaker } = this.settings;
    const retried = defer(() => toObservable(this.attempt(instance, args))).pipe(withRetry(policy));

    return breaker === undefined ? retried : breaker.recoverObservable(retried, instance, args);
  }

  /** Runs one attempt: through the breaker when the method has one, else the method itself. */
  private attempt(instance: object, args: unknown[]): unknown {
    const { breaker, original } = this.settings;

    return breaker === undefined ? original.apply(instance, args) : breaker.attempt(instance, args);
  }
}
