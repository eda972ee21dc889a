import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { defer, of, throwError } from 'rxjs';
import { Breaker, CircuitOpenError, RetryPolicy } from '../../lib/core/index.js';
import { withBreaker, withRetry } from '../../lib/rxjs/index.js';
import { observe } from './observe.js';

/** An Observable that fails its first `failures` subscriptions, then emits 'ok' and completes. */
function flaky(failures: number) {
  const subscribedAt: number[] = [];
  const source$ = defer(() => {
    subscribedAt.push(Date.now());

    return subscribedAt.length <= failures
      ? throwError(() => new Error(`down #${subscribedAt.length}`))
      : of('ok');
  });

  return { source$, subscribedAt };
}

const noJitter = (attempts: number) =>
  new RetryPolicy({ attempts, backoff: { initial: 100, multiplier: 2, jitter: 'none' } });

beforeEach(() => {
  jest.useFakeTimers();
});

afterEach(() => {
  jest.useRealTimers();
});

describe('withRetry', () => {
  it("resubscribes after the policy's waits until the source succeeds", async () => {
    const start = Date.now();
    const { source$, subscribedAt } = flaky(2);
    const { seen } = observe(source$.pipe(withRetry(noJitter(3))));

    await jest.advanceTimersByTimeAsync(99);
    expect(subscribedAt).toHaveLength(1);

    await jest.advanceTimersByTimeAsync(10_000);

    expect(subscribedAt.map((at) => at - start)).toEqual([0, 100, 300]);
    expect(seen).toEqual({ values: ['ok'], error: undefined, completed: true });
  });

  it('errors with the last error once the attempts are used up', async () => {
    const { source$, subscribedAt } = flaky(5);
    const { seen } = observe(source$.pipe(withRetry(noJitter(3))));

    await jest.advanceTimersByTimeAsync(10_000);

    expect(subscribedAt).toHaveLength(3);
    expect(seen.error).toEqual(new Error('down #3'));
  });

  it('gives each subscription attempts of its own', async () => {
    const { source$, subscribedAt } = flaky(3);
    const retried$ = source$.pipe(withRetry(noJitter(2)));

    const first = observe(retried$);
    await jest.advanceTimersByTimeAsync(10_000);
    const second = observe(retried$);
    await jest.advanceTimersByTimeAsync(10_000);

    expect(first.seen.error).toEqual(new Error('down #2'));
    expect(second.seen.values).toEqual(['ok']);
    expect(subscribedAt).toHaveLength(4);
  });

  it('passes a CircuitOpenError on at once instead of resubscribing', async () => {
    const breaker = new Breaker({ maxFailures: 2, timeout: 60_000, clock: () => Date.now() });
    const { source$, subscribedAt } = flaky(10);
    const { seen } = observe(source$.pipe(withBreaker(breaker), withRetry(noJitter(5))));

    await jest.advanceTimersByTimeAsync(100);
    expect(breaker.state).toBe('open');

    await jest.advanceTimersByTimeAsync(200);

    expect(seen.error).toBeInstanceOf(CircuitOpenError);
    expect(subscribedAt).toHaveLength(2);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('cancels a pending wait when unsubscribed', async () => {
    const { source$, subscribedAt } = flaky(5);
    const { subscription } = observe(source$.pipe(withRetry(noJitter(3))));

    expect(jest.getTimerCount()).toBe(1);

    subscription.unsubscribe();

    expect(jest.getTimerCount()).toBe(0);
    await jest.advanceTimersByTimeAsync(10_000);
    expect(subscribedAt).toHaveLength(1);
  });
});
