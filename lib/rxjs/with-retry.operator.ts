import { defer, retry, throwError, timer, type MonoTypeOperatorFunction } from 'rxjs';
import type { RetryPolicy } from '../core/index.js';

/** What `withRetry` needs of a retry policy: the retry decisions of one execution. */
export type RetryScheduleSource = Pick<RetryPolicy, 'schedule'>;

/**
 * Resubscribes to the source when it errors, with the waits and decisions of a `RetryPolicy`:
 * each subscription runs at most `attempts` subscriptions in total, and a breaker rejection
 * (`CircuitOpenError`, `BulkheadFullError`) is passed on at once, never retried. Place it after
 * `withBreaker` so that each attempt goes through the breaker. Values an attempt emitted before
 * it failed are not taken back: a later attempt emits them again.
 *
 * @param policy the policy that decides whether and when to resubscribe
 * @example
 * const quote$ = http.get('/quote').pipe(withBreaker(breaker), withRetry(policy));
 */
export function withRetry<T>(policy: RetryScheduleSource): MonoTypeOperatorFunction<T> {
  return (source) =>
    defer(() => {
      const schedule = policy.schedule();

      return source.pipe(
        retry({
          delay: (error: unknown) => {
            const delay = schedule.next(error);

            return delay === undefined ? throwError(() => error) : timer(delay);
          },
        }),
      );
    });
}
