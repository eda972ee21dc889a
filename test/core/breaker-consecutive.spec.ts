import { jest } from '@jest/globals';
import { Breaker, CircuitOpenError, isCircuitOpenError } from '../../lib/core/index.js';
import { boom, ok, TestClock } from './test-clock.js';

async function failTimes(breaker: Breaker, times: number): Promise<void> {
  for (let i = 0; i < times; i++) await breaker.call(boom).catch(() => undefined);
}

describe('closed circuit with the consecutive rule', () => {
  it('opens after five consecutive failures by default', async () => {
    const breaker = new Breaker();

    await failTimes(breaker, 4);
    expect(breaker.state).toBe('closed');

    await failTimes(breaker, 1);
    expect(breaker.state).toBe('open');
  });

  it('starts counting again after a success', async () => {
    const breaker = new Breaker({ maxFailures: 3 });

    await failTimes(breaker, 2);
    await breaker.call(ok);
    await failTimes(breaker, 2);

    expect(breaker.state).toBe('closed');
    expect(breaker.stats().consecutiveFailures).toBe(2);
  });

  it('passes the result and the error of the call through unchanged', async () => {
    const breaker = new Breaker();
    const error = new Error('from the dependency');

    await expect(breaker.call(() => Promise.resolve(42))).resolves.toBe(42);
    await expect(breaker.call(() => Promise.reject(error))).rejects.toBe(error);
  });

  it('accepts functions that return a value or throw synchronously', async () => {
    const breaker = new Breaker({ maxFailures: 2 });
    const thrown = { not: 'an Error' };

    await expect(breaker.call(() => 'plain')).resolves.toBe('plain');
    await expect(
      breaker.call(() => {
        throw thrown;
      }),
    ).rejects.toBe(thrown);

    expect(breaker.stats()).toMatchObject({ successes: 1, failures: 1 });
  });

  it('wraps a function keeping its parameters', async () => {
    const breaker = new Breaker();
    const add = breaker.wrap((a: number, b: number) => Promise.resolve(a + b));

    await expect(add(2, 3)).resolves.toBe(5);
    expect(add).toHaveLength(2);
    expect(breaker.stats().successes).toBe(1);
  });

  it('rejects at once with CircuitOpenError while open, without calling the function', async () => {
    const clock = new TestClock();
    const breaker = new Breaker({
      name: 'payments',
      maxFailures: 1,
      timeout: 5_000,
      clock: clock.read,
    });
    const fn = jest.fn(ok);

    await failTimes(breaker, 1);
    clock.advance(1_000);

    const error = await breaker.call(fn).catch((caught: unknown) => caught);

    expect(fn).not.toHaveBeenCalled();
    expect(error).toBeInstanceOf(CircuitOpenError);
    expect(isCircuitOpenError(error)).toBe(true);
    expect(error).toMatchObject({
      name: 'CircuitOpenError',
      breaker: 'payments',
      state: 'open',
      retryAfter: 4_000,
    });
  });

  it('never counts a rejection as a failure', async () => {
    const breaker = new Breaker({ maxFailures: 1 });

    await failTimes(breaker, 1);
    await failTimes(breaker, 3);

    expect(breaker.stats()).toMatchObject({ failures: 1, rejected: 3 });
  });
});

describe('acquire()', () => {
  it('records exactly one outcome per permit', () => {
    const breaker = new Breaker({ maxFailures: 2 });
    const permit = breaker.acquire();

    permit.failure(new Error('first'));
    permit.failure(new Error('again'));
    permit.success();

    expect(breaker.stats()).toMatchObject({ failures: 1, successes: 0, inFlight: 0 });
  });

  it('throws CircuitOpenError synchronously while open', () => {
    const breaker = new Breaker({ maxFailures: 1 });

    breaker.acquire().failure(new Error('down'));

    expect(() => breaker.acquire()).toThrow(CircuitOpenError);
  });

  it('judges a value given to success() with isResultFailure', () => {
    const breaker = new Breaker({ isResultFailure: (result) => result === 'bad' });

    breaker.acquire().success('bad');
    breaker.acquire().success('good');
    breaker.acquire().success();

    expect(breaker.stats()).toMatchObject({ failures: 1, successes: 2 });
  });

  it('tracks a promise and settles like it', async () => {
    const breaker = new Breaker();

    await expect(breaker.acquire().track(Promise.resolve(7))).resolves.toBe(7);
    await expect(breaker.acquire().track(boom())).rejects.toThrow('boom');

    expect(breaker.stats()).toMatchObject({ successes: 1, failures: 1 });
  });

  it('gives the in-flight slot back on ignore()', () => {
    const breaker = new Breaker();
    const permit = breaker.acquire();

    expect(breaker.stats().inFlight).toBe(1);
    permit.ignore();
    expect(breaker.stats()).toMatchObject({ inFlight: 0, ignored: 1, calls: 1 });
  });

  it('gives the admission back on release(), recording nothing and firing no event', () => {
    const breaker = new Breaker();
    const listener = jest.fn();

    breaker.on('ignored', listener);
    breaker.on('success', listener);

    const permit = breaker.acquire();

    permit.release();
    permit.success();

    expect(breaker.stats()).toMatchObject({ inFlight: 0, calls: 0, ignored: 0, successes: 0 });
    expect(listener).not.toHaveBeenCalled();
  });
});
