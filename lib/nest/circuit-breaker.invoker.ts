import { catchError, defer, from, isObservable, Observable, of, throwError } from 'rxjs';
import type { Breaker, Permit } from '../core/index.js';
import { withBreaker } from '../rxjs/with-breaker.operator.js';
import { DeferredRejection, isThenable } from '../core/promise-interop.js';
import type { CircuitBreakerFallbackOn } from './circuit-breaker-method-options.interface.js';
import { isRejection } from './circuit-breaker-rejection.js';
import type { MethodInvoker } from './circuit-breaker.dispatcher.js';
import { runInCall } from './current-call-signal.js';

/**
 * How a protected method returns: a promise (an `async` method or one declared to return
 * `Promise`), an Observable (declared to return one), or unknown until it has returned.
 */
export type ReturnShape = 'promise' | 'observable' | 'unknown';

/** Produces the fallback's answer for one call. */
export type FallbackHandler = (instance: object, args: unknown[], error: unknown) => unknown;

/** Everything an invoker needs to run one method of one instance behind its breaker. */
export interface InvokerSettings {
  breaker: Breaker;
  original: (...args: unknown[]) => unknown;
  shape: ReturnShape;
  fallback: FallbackHandler | undefined;
  fallbackOn: CircuitBreakerFallbackOn;
}

/** A call that is under way, or one that ended before the method returned. */
type Started = { permit: Permit; result: unknown } | { error: unknown };

/** Turns whatever a method returned into an Observable of its result. */
export function toObservable(value: unknown): Observable<unknown> {
  if (isObservable(value)) return value;

  return isThenable(value) ? from(value) : of(value);
}

/**
 * Runs a protected method behind its breaker while keeping its return shape, records exactly one
 * outcome per call, and hands eligible errors to the fallback.
 */
export class CircuitBreakerInvoker implements MethodInvoker {
  /**
   * How the method returns: as declared, or for a method whose declaration does not tell, as its
   * first call showed once that call returned a promise or an Observable.
   */
  private shape: ReturnShape;

  constructor(private readonly settings: InvokerSettings) {
    this.shape = settings.shape;
  }

  /** Calls the method on `instance` with `args` behind the breaker. */
  invoke(instance: object, args: unknown[]): unknown {
    switch (this.shape) {
      case 'promise':
        return this.invokePromise(instance, args);
      case 'observable':
        return this.protectObservable(
          () => this.settings.original.apply(instance, args),
          instance,
          args,
        );
      case 'unknown':
        return this.invokeUnknown(instance, args);
    }
  }

  /**
   * Runs one attempt of a method that returns a promise or an Observable behind the breaker,
   * without the fallback: a retry around it has each attempt judged by the breaker, and hands the
   * error of the last one to `recover()` or `recoverObservable()`. An Observable takes its permit
   * at each subscription; any other method is called as a promise.
   */
  attempt(instance: object, args: unknown[]): Promise<unknown> | Observable<unknown> {
    return this.shape === 'observable'
      ? this.protectedSource(() => this.settings.original.apply(instance, args))
      : this.callThrough(instance, args);
  }

  /** Returns the fallback's answer when `error` is eligible for it, else throws `error`. */
  recover(error: unknown, instance: object, args: unknown[]): unknown {
    const fallback = this.fallbackFor(error);

    if (fallback === undefined) throw error;

    return fallback(instance, args, error);
  }

  /** Answers an error of `source` with the fallback when `error` is eligible for it. */
  recoverObservable(
    source: Observable<unknown>,
    instance: object,
    args: unknown[],
  ): Observable<unknown> {
    return source.pipe(
      catchError((error: unknown) => {
        const fallback = this.fallbackFor(error);

        return fallback === undefined
          ? throwError(() => error)
          : toObservable(fallback(instance, args, error));
      }),
    );
  }

  /** Runs a promise-returning method; whatever happens, the caller gets a promise. */
  private invokePromise(instance: object, args: unknown[]): Promise<unknown> {
    const called = this.callThrough(instance, args);

    return this.settings.fallback === undefined
      ? called
      : called.catch((error: unknown) => this.recover(error, instance, args));
  }

  /** Runs the method as one call of the breaker, without the fallback, and returns a promise. */
  private callThrough(instance: object, args: unknown[]): Promise<unknown> {
    const breaker = this.settings.breaker;

    if (breaker.callTimeout === undefined) {
      return breaker.callMethod(this.settings.original, instance, args);
    }

    // `call()` would keep its permit to itself; `currentCallSignal()` needs it.
    const started = this.start(instance, args);

    if ('error' in started) {
      return isRejection(started.error)
        ? Promise.resolve(new DeferredRejection(started.error as Error))
        : Promise.reject(started.error);
    }

    const { permit, result } = started;

    if (isThenable(result)) return permit.track(result);

    permit.success(result);

    return Promise.resolve(result);
  }

  private invokeUnknown(instance: object, args: unknown[]): unknown {
    const started = this.start(instance, args);

    if ('error' in started) return this.recover(started.error, instance, args);

    const { permit, result } = started;

    if (isObservable(result)) {
      // The work of an Observable starts at subscription, which takes a permit of its own.
      permit.release();
      this.shape = 'observable';

      return this.protectObservable(() => result, instance, args);
    }

    if (isThenable(result)) {
      this.shape = 'promise';

      const tracked = permit.track(result);

      return this.settings.fallback === undefined
        ? tracked
        : tracked.catch((error: unknown) => this.recover(error, instance, args));
    }

    permit.success(result);

    return result;
  }

  /**
   * Takes a permit and calls the method, inside the call's scope when the breaker has a deadline.
   * A rejection, or an error the method throws before returning, is recorded and returned.
   */
  private start(instance: object, args: unknown[]): Started {
    const breaker = this.settings.breaker;
    let permit: Permit;

    try {
      permit = breaker.acquire();
    } catch (rejection) {
      return { error: rejection };
    }

    const { original } = this.settings;

    try {
      const result =
        breaker.callTimeout === undefined
          ? original.apply(instance, args)
          : runInCall(permit, () => original.apply(instance, args));

      return { permit, result };
    } catch (error) {
      permit.failure(error);

      return { error };
    }
  }

  private protectObservable(
    create: () => unknown,
    instance: object,
    args: unknown[],
  ): Observable<unknown> {
    return this.recoverObservable(this.protectedSource(create), instance, args);
  }

  /**
   * Takes a permit at each subscription and records the outcome of that subscription. With a
   * deadline, the method runs and its Observable is subscribed inside the call's scope.
   */
  private protectedSource(create: () => unknown): Observable<unknown> {
    return defer(() => {
      const breaker = this.settings.breaker;

      if (breaker.callTimeout === undefined) {
        return defer(() => toObservable(create())).pipe(withBreaker(breaker));
      }

      // withBreaker subscribes to the source right after it has taken the permit.
      let permit: Permit;
      const source = new Observable<unknown>((subscriber) =>
        runInCall(permit, () => toObservable(create()).subscribe(subscriber)),
      );

      return source.pipe(withBreaker({ acquire: () => (permit = breaker.acquire()) }));
    });
  }

  /** Returns the fallback when `fallbackOn` lets `error` reach it. */
  private fallbackFor(error: unknown): FallbackHandler | undefined {
    const { fallback, fallbackOn } = this.settings;

    if (fallback === undefined) return undefined;

    switch (fallbackOn) {
      case 'any':
        return fallback;
      case 'failure':
        return isRejection(error) || this.settings.breaker.classifyError(error, false) === 'failure'
          ? fallback
          : undefined;
      case 'rejection':
        return isRejection(error) ? fallback : undefined;
    }
  }
}
