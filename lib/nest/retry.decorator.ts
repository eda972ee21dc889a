import type { RetryOptions } from '../core/index.js';
import { RETRY_METADATA } from './circuit-breaker.constants.js';
import { instanceMethodMetadata } from './instance-method-metadata.js';

/** What `@Retry()` records on a method. */
export interface RetryMetadata {
  /** The options of the method's `RetryPolicy`. */
  options: RetryOptions;
}

/**
 * Runs a method of a provider or controller again when it fails, under a `RetryPolicy` built from
 * `options`. The method must return a promise (an `async` method or one declared to return
 * `Promise`) or be declared to return an `Observable`, which is retried by subscribing to it
 * again; any other method stops bootstrap, since waiting between attempts cannot stay
 * synchronous. Options are checked at bootstrap.
 *
 * With `@CircuitBreaker()` on the same method, in either order, the retries run outside the
 * breaker: each attempt takes a permit and counts as one outcome, an open circuit ends the
 * retries at once, and the fallback answers only after the last attempt has failed.
 *
 * @param options attempts, backoff and `retryOn`, as for `RetryPolicy`
 *
 * @example
 * @Retry({ attempts: 3, backoff: { initial: 200 } })
 * @CircuitBreaker('payments', { fallback: 'cachedQuote' })
 * async quote(id: string): Promise<Quote> {
 *   return this.payments.quote(id);
 * }
 */
export function Retry(options: RetryOptions = {}): MethodDecorator {
  const metadata: RetryMetadata = { options };

  return instanceMethodMetadata(RETRY_METADATA, metadata, '@Retry()');
}
