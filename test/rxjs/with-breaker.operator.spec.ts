import { describe, expect, it, jest } from '@jest/globals';
import { NEVER, Subject, defer, finalize, lastValueFrom, of, throwError, toArray } from 'rxjs';
import {
  Breaker,
  BulkheadFullError,
  CallTimeoutError,
  CircuitOpenError,
} from '../../lib/core/index.js';
import { withBreaker } from '../../lib/rxjs/index.js';
import { observe } from './observe.js';

describe('withBreaker', () => {
  it('passes values through and records a success when the source completes', async () => {
    const breaker = new Breaker();

    await expect(lastValueFrom(of(1, 2, 3).pipe(withBreaker(breaker), toArray()))).resolves.toEqual(
      [1, 2, 3],
    );
    expect(breaker.stats()).toMatchObject({ successes: 1, failures: 0, inFlight: 0 });
  });

  it('takes a permit at each subscription, not when the pipe is built', () => {
    const breaker = new Breaker();
    const quotes$ = new Subject<number>().pipe(withBreaker(breaker));

    expect(breaker.stats().inFlight).toBe(0);

    observe(quotes$);
    observe(quotes$);

    expect(breaker.stats().inFlight).toBe(2);
  });

  it('records a failure when the source errors and passes the error on unchanged', () => {
    const breaker = new Breaker({ maxFailures: 1 });
    const error = new Error('down');
    const { seen } = observe(throwError(() => error).pipe(withBreaker(breaker)));

    expect(seen.error).toBe(error);
    expect(breaker.stats().failures).toBe(1);
    expect(breaker.state).toBe('open');
  });

  it("classifies the source's error with the breaker's rule", () => {
    const breaker = new Breaker({ maxFailures: 1 });
    const notFound = Object.assign(new Error('not found'), { status: 404 });

    observe(throwError(() => notFound).pipe(withBreaker(breaker)));

    expect(breaker.stats()).toMatchObject({ ignored: 1, failures: 0 });
    expect(breaker.state).toBe('closed');
  });

  it('errors the subscriber at once with CircuitOpenError and never subscribes to the source', () => {
    const breaker = new Breaker();
    const subscribe = jest.fn(() => of('quote'));

    breaker.forceOpen();
    const { seen } = observe(defer(subscribe).pipe(withBreaker(breaker)));

    expect(seen.error).toBeInstanceOf(CircuitOpenError);
    expect(seen.completed).toBe(false);
    expect(subscribe).not.toHaveBeenCalled();
    expect(breaker.stats()).toMatchObject({ rejected: 1, failures: 0 });
  });

  it('errors the subscriber with BulkheadFullError beyond maxConcurrent subscriptions', () => {
    const breaker = new Breaker({ maxConcurrent: 1 });
    const stream$ = NEVER.pipe(withBreaker(breaker));

    observe(stream$);

    expect(observe(stream$).seen.error).toBeInstanceOf(BulkheadFullError);
  });

  it('ignores a subscription that ends early, and unsubscribes from the source', () => {
    const breaker = new Breaker();
    const finalized = jest.fn();
    const { subscription } = observe(NEVER.pipe(finalize(finalized), withBreaker(breaker)));

    subscription.unsubscribe();

    expect(finalized).toHaveBeenCalledTimes(1);
    expect(breaker.stats()).toMatchObject({ ignored: 1, successes: 0, failures: 0, inFlight: 0 });
  });

  it('records nothing more when unsubscribed after completion', () => {
    const breaker = new Breaker();
    const source = new Subject<number>();
    const { seen, subscription } = observe(source.pipe(withBreaker(breaker)));

    source.next(1);
    source.complete();
    subscription.unsubscribe();

    expect(seen).toEqual({ values: [1], error: undefined, completed: true });
    expect(breaker.stats()).toMatchObject({ successes: 1, ignored: 0 });
  });

  it('gives a half-open probe slot back when the probe is unsubscribed early', () => {
    let now = 0;
    const breaker = new Breaker({ maxFailures: 1, timeout: 1_000, clock: () => now });

    observe(throwError(() => new Error('down')).pipe(withBreaker(breaker)));
    now = 1_000;

    const probe = observe(NEVER.pipe(withBreaker(breaker)));

    expect(observe(of(1).pipe(withBreaker(breaker))).seen.error).toBeInstanceOf(CircuitOpenError);

    probe.subscription.unsubscribe();

    expect(observe(of(1).pipe(withBreaker(breaker))).seen.completed).toBe(true);
    expect(breaker.state).toBe('closed');
  });

  it('errors with CallTimeoutError and unsubscribes from the source at the callTimeout deadline', async () => {
    jest.useFakeTimers();

    try {
      const breaker = new Breaker({ callTimeout: 500, maxFailures: 1 });
      const finalized = jest.fn();
      const { seen } = observe(NEVER.pipe(finalize(finalized), withBreaker(breaker)));

      await jest.advanceTimersByTimeAsync(499);
      expect(seen.error).toBeUndefined();

      await jest.advanceTimersByTimeAsync(1);

      expect(seen.error).toBeInstanceOf(CallTimeoutError);
      expect(finalized).toHaveBeenCalledTimes(1);
      expect(breaker.stats().failures).toBe(1);
      expect(breaker.state).toBe('open');
    } finally {
      jest.useRealTimers();
    }
  });

  it('leaves no timer behind when the source completes before the callTimeout deadline', () => {
    jest.useFakeTimers();

    try {
      const breaker = new Breaker({ callTimeout: 500 });

      observe(of(1).pipe(withBreaker(breaker)));

      expect(jest.getTimerCount()).toBe(0);
      expect(breaker.stats().successes).toBe(1);
    } finally {
      jest.useRealTimers();
    }
  });
});
