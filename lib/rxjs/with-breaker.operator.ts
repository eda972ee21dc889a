import { Observable, type MonoTypeOperatorFunction } from 'rxjs';
import type { Breaker } from '../core/index.js';

/** What `withBreaker` needs of a breaker: admission of one call as a permit. */
export type PermitSource = Pick<Breaker, 'acquire'>;

/**
 * Puts every subscription to the source behind a breaker. A subscription takes a permit when it
 * starts: an open circuit (or a full bulkhead) errors the subscriber at once with the rejection
 * and never subscribes to the source. Completion records a success, an error a failure (through
 * the breaker's classification), and an unsubscription before either is ignored. With
 * `callTimeout`, a subscription still running at the deadline is unsubscribed from the source and
 * errors with `CallTimeoutError`.
 *
 * @param breaker the breaker that admits each subscription
 * @example
 * const quotes$ = http.get('/quotes').pipe(withBreaker(breaker));
 */
export function withBreaker<T>(breaker: PermitSource): MonoTypeOperatorFunction<T> {
  return (source) =>
    new Observable<T>((subscriber) => {
      let permit: ReturnType<PermitSource['acquire']>;

      try {
        permit = breaker.acquire();
      } catch (rejection) {
        subscriber.error(rejection);

        return;
      }

      let settled = false;

      // Settles only at the callTimeout deadline; otherwise it stays pending and is collected
      // with the permit.
      permit.track(new Promise<never>(() => undefined)).catch((error: unknown) => {
        if (settled) return;

        settled = true;
        subscription.unsubscribe();
        subscriber.error(error);
      });

      const subscription = source.subscribe({
        next: (value) => subscriber.next(value),
        error: (error: unknown) => {
          settled = true;
          permit.failure(error);
          subscriber.error(error);
        },
        complete: () => {
          settled = true;
          permit.success();
          subscriber.complete();
        },
      });

      return () => {
        subscription.unsubscribe();

        if (!settled) permit.ignore();
      };
    });
}
