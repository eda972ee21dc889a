import { getEventListeners } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import fc from 'fast-check';
import {
  Breaker,
  BreakerConfigError,
  BulkheadFullError,
  CircuitOpenError,
  RETRY_DEFAULTS,
  RetryPolicy,
  type RetryableFunction,
} from '../../lib/core/index.js';

type Attempt = RetryableFunction<string>;

/** A function that fails every attempt with `Error('down #n')`. */
const alwaysFailing = () =>
  jest.fn<Attempt>((_signal, attempt) => Promise.reject(new Error(`down #${attempt}`)));

/** Follows a promise without leaving its rejection unhandled. */
function track<T>(promise: Promise<T>) {
  const result: { status: 'pending' | 'fulfilled' | 'rejected'; value?: T; error?: unknown } = {
    status: 'pending',
  };

  promise.then(
    (value) => Object.assign(result, { status: 'fulfilled', value }),
    (error: unknown) => Object.assign(result, { status: 'rejected', error }),
  );

  return result;
}

beforeEach(() => {
  jest.useFakeTimers();
});

afterEach(() => {
  jest.restoreAllMocks();
  jest.useRealTimers();
});

describe('RetryPolicy options', () => {
  it.each([
    ['attempts', { attempts: 0 }, 0],
    ['attempts', { attempts: 1.5 }, 1.5],
    ['attempts', { attempts: Infinity }, Infinity],
    ['attempts', { attempts: '3' }, '3'],
    ['attempts', { attempts: null }, null],
    ['backoff', { backoff: null }, null],
    ['backoff', { backoff: [] }, []],
    ['backoff.initial', { backoff: { initial: -1 } }, -1],
    ['backoff.initial', { backoff: { initial: NaN } }, NaN],
    ['backoff.multiplier', { backoff: { multiplier: 0.5 } }, 0.5],
    ['backoff.max', { backoff: { max: Infinity } }, Infinity],
    ['backoff.max', { backoff: { max: 2 ** 31 } }, 2 ** 31],
    ['backoff.max', { backoff: { initial: 500, max: 200 } }, 200],
    ['backoff.initial', { backoff: { initial: 20_000 } }, 20_000],
    ['backoff.jitter', { backoff: { jitter: 'linear' } }, 'linear'],
    ['retryOn', { retryOn: true }, true],
    ['attempt', { attempt: 3 }, 3],
    ['backoff.inital', { backoff: { inital: 100 } }, 100],
  ])('rejects an invalid %s at construction, naming it and the value', (option, options, value) => {
    const construct = () => new RetryPolicy(options as never);

    expect(construct).toThrow(BreakerConfigError);
    expect(construct).toThrow(expect.objectContaining({ option, value }));
    expect(construct).toThrow(`Invalid retry option "${option}"`);
  });

  it('accepts no options, and undefined for any option', () => {
    expect(() => new RetryPolicy()).not.toThrow();
    expect(
      () =>
        new RetryPolicy({ attempts: undefined, backoff: { jitter: undefined, max: undefined } }),
    ).not.toThrow();
  });

  it('keeps its defaults in one frozen object', () => {
    expect(RETRY_DEFAULTS).toEqual({
      attempts: 3,
      backoff: { initial: 100, multiplier: 2, max: 10_000, jitter: 'full' },
    });
    expect(Object.isFrozen(RETRY_DEFAULTS)).toBe(true);
    expect(Object.isFrozen(RETRY_DEFAULTS.backoff)).toBe(true);
  });
});

describe('RetryPolicy attempts', () => {
  it('resolves with the first attempt that succeeds and stops there', async () => {
    const fn = jest
      .fn<Attempt>()
      .mockRejectedValueOnce(new Error('down'))
      .mockResolvedValueOnce('quote');
    const policy = new RetryPolicy({ attempts: 5, backoff: { jitter: 'none' } });
    const result = track(policy.execute(fn));

    await jest.advanceTimersByTimeAsync(100);

    expect(result).toEqual({ status: 'fulfilled', value: 'quote' });
    expect(fn).toHaveBeenCalledTimes(2);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('counts the first try in attempts and rejects with the last error', async () => {
    const fn = alwaysFailing();
    const result = track(new RetryPolicy({ backoff: { jitter: 'none' } }).execute(fn));

    await jest.advanceTimersByTimeAsync(60_000);

    expect(fn).toHaveBeenCalledTimes(3);
    expect(result.error).toEqual(new Error('down #3'));
  });

  it('never retries with attempts: 1', async () => {
    const fn = alwaysFailing();

    await expect(new RetryPolicy({ attempts: 1 }).execute(fn)).rejects.toThrow('down #1');
    expect(fn).toHaveBeenCalledTimes(1);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('hands each attempt its number and retries synchronous throws and non-Error values', async () => {
    const seen: number[] = [];
    const policy = new RetryPolicy({ attempts: 3, backoff: { initial: 0, jitter: 'none' } });
    const result = track(
      policy.execute((_signal, attempt) => {
        seen.push(attempt);

        if (attempt === 1) throw new Error('sync');
        if (attempt === 2) throw 'a string';

        return 'done';
      }),
    );

    await jest.runAllTimersAsync();

    expect(seen).toEqual([1, 2, 3]);
    expect(result.value).toBe('done');
  });

  it('gives each execution attempts of its own', async () => {
    const policy = new RetryPolicy({ attempts: 2, backoff: { jitter: 'none' } });
    const first = alwaysFailing();
    const second = alwaysFailing();

    track(policy.execute(first));
    await jest.advanceTimersByTimeAsync(50);
    track(policy.execute(second));
    await jest.advanceTimersByTimeAsync(10_000);

    expect(first).toHaveBeenCalledTimes(2);
    expect(second).toHaveBeenCalledTimes(2);
  });

  it('wraps a function, passing its arguments to every attempt', async () => {
    const add = jest
      .fn((a: number, b: number) => a + b)
      .mockImplementationOnce(() => {
        throw new Error('down');
      });
    const wrapped = new RetryPolicy({ backoff: { jitter: 'none' } }).wrap(add);
    const result = track(wrapped(2, 3));

    await jest.advanceTimersByTimeAsync(100);

    expect(result.value).toBe(5);
    expect(wrapped).toHaveLength(2);
    expect(add.mock.calls).toEqual([
      [2, 3],
      [2, 3],
    ]);
  });
});

describe('RetryPolicy backoff', () => {
  it('waits initial, then initial * multiplier, before each further attempt', async () => {
    const fn = alwaysFailing();
    const policy = new RetryPolicy({
      attempts: 4,
      backoff: { initial: 100, multiplier: 3, jitter: 'none' },
    });
    const result = track(policy.execute(fn));

    expect(fn).toHaveBeenCalledTimes(1);

    await jest.advanceTimersByTimeAsync(99);
    expect(fn).toHaveBeenCalledTimes(1);
    await jest.advanceTimersByTimeAsync(1);
    expect(fn).toHaveBeenCalledTimes(2);

    await jest.advanceTimersByTimeAsync(299);
    expect(fn).toHaveBeenCalledTimes(2);
    await jest.advanceTimersByTimeAsync(1);
    expect(fn).toHaveBeenCalledTimes(3);

    await jest.advanceTimersByTimeAsync(899);
    expect(fn).toHaveBeenCalledTimes(3);
    await jest.advanceTimersByTimeAsync(1);
    expect(fn).toHaveBeenCalledTimes(4);
    expect(result.status).toBe('rejected');
  });

  it('never waits longer than backoff.max', async () => {
    const fn = alwaysFailing();
    const policy = new RetryPolicy({
      attempts: 4,
      backoff: { initial: 100, multiplier: 10, max: 250, jitter: 'none' },
    });

    track(policy.execute(fn));
    await jest.advanceTimersByTimeAsync(100);
    expect(fn).toHaveBeenCalledTimes(2);

    await jest.advanceTimersByTimeAsync(249);
    expect(fn).toHaveBeenCalledTimes(2);
    await jest.advanceTimersByTimeAsync(1);
    expect(fn).toHaveBeenCalledTimes(3);

    await jest.advanceTimersByTimeAsync(249);
    expect(fn).toHaveBeenCalledTimes(3);
    await jest.advanceTimersByTimeAsync(1);
    expect(fn).toHaveBeenCalledTimes(4);
  });

  it('with full jitter, waits nothing when the random draw is 0', async () => {
    jest.spyOn(Math, 'random').mockReturnValue(0);
    const fn = alwaysFailing();
    const start = Date.now();

    track(new RetryPolicy({ attempts: 3, backoff: { initial: 1000 } }).execute(fn));
    await jest.runAllTimersAsync();

    expect(fn).toHaveBeenCalledTimes(3);
    expect(Date.now()).toBe(start);
  });

  it('with full jitter, waits just under the exponential delay when the draw is near 1', async () => {
    jest.spyOn(Math, 'random').mockReturnValue(0.999);
    const fn = alwaysFailing();

    track(new RetryPolicy({ attempts: 3, backoff: { initial: 1000 } }).execute(fn));

    await jest.advanceTimersByTimeAsync(998);
    expect(fn).toHaveBeenCalledTimes(1);
    await jest.advanceTimersByTimeAsync(1);
    expect(fn).toHaveBeenCalledTimes(2);

    await jest.advanceTimersByTimeAsync(1997);
    expect(fn).toHaveBeenCalledTimes(2);
    await jest.advanceTimersByTimeAsync(1);
    expect(fn).toHaveBeenCalledTimes(3);
  });

  it('with decorrelated jitter, waits initial when the random draw is 0', async () => {
    jest.spyOn(Math, 'random').mockReturnValue(0);
    const fn = alwaysFailing();

    track(
      new RetryPolicy({ attempts: 3, backoff: { initial: 100, jitter: 'decorrelated' } }).execute(
        fn,
      ),
    );

    await jest.advanceTimersByTimeAsync(99);
    expect(fn).toHaveBeenCalledTimes(1);
    await jest.advanceTimersByTimeAsync(1);
    expect(fn).toHaveBeenCalledTimes(2);
    await jest.advanceTimersByTimeAsync(99);
    expect(fn).toHaveBeenCalledTimes(2);
    await jest.advanceTimersByTimeAsync(1);
    expect(fn).toHaveBeenCalledTimes(3);
  });

  it('with decorrelated jitter, waits up to three times the previous wait, capped by max', async () => {
    jest.spyOn(Math, 'random').mockReturnValue(1);
    const fn = alwaysFailing();
    const policy = new RetryPolicy({
      attempts: 4,
      backoff: { initial: 100, max: 1000, jitter: 'decorrelated' },
    });

    track(policy.execute(fn));

    // 100 * 3 = 300, then 300 * 3 = 900, then 2700 capped to 1000.
    for (const [wait, calls] of [
      [300, 2],
      [900, 3],
      [1000, 4],
    ]) {
      await jest.advanceTimersByTimeAsync(wait - 1);
      expect(fn).toHaveBeenCalledTimes(calls - 1);
      await jest.advanceTimersByTimeAsync(1);
      expect(fn).toHaveBeenCalledTimes(calls);
    }
  });
});

describe('RetryPolicy schedule', () => {
  it('returns the wait before each further attempt, then undefined once they are used up', () => {
    const schedule = new RetryPolicy({
      attempts: 3,
      backoff: { initial: 50, jitter: 'none' },
    }).schedule();

    expect(schedule.attempt).toBe(1);
    expect(schedule.next(new Error('down'))).toBe(50);
    expect(schedule.attempt).toBe(2);
    expect(schedule.next(new Error('down'))).toBe(100);
    expect(schedule.next(new Error('down'))).toBeUndefined();
    expect(schedule.attempt).toBe(3);
  });

  it('keeps waiting 0 with initial 0, however long the schedule', () => {
    const schedule = new RetryPolicy({
      attempts: 1_100,
      backoff: { initial: 0, jitter: 'none' },
    }).schedule();
    const waits = Array.from({ length: 1_099 }, () => schedule.next(new Error('down')));

    expect(new Set(waits)).toEqual(new Set([0]));
  });

  it('returns undefined for breaker rejections whatever attempts are left', () => {
    const schedule = new RetryPolicy({ attempts: 10 }).schedule();

    expect(schedule.next(CircuitOpenError.create('quotes', 'open', 1_000))).toBeUndefined();
    expect(schedule.next(BulkheadFullError.create('quotes', 4))).toBeUndefined();
    expect(schedule.attempt).toBe(1);
  });

  it('keeps every jittered wait within its bounds, whatever the random draws', () => {
    const options = fc.record({
      initial: fc.integer({ min: 0, max: 1_000 }),
      multiplier: fc.double({ min: 1, max: 5, noNaN: true }),
      extra: fc.integer({ min: 0, max: 20_000 }),
      jitter: fc.constantFrom('full' as const, 'decorrelated' as const, 'none' as const),
    });
    const draws = fc.array(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), {
      minLength: 1,
      maxLength: 12,
    });

    fc.assert(
      fc.property(options, draws, ({ initial, multiplier, extra, jitter }, randoms) => {
        const max = initial + extra;
        const random = jest.spyOn(Math, 'random');
        const schedule = new RetryPolicy({
          attempts: randoms.length + 1,
          backoff: { initial, multiplier, max, jitter },
        }).schedule();
        let previous = initial;

        for (const [index, draw] of randoms.entries()) {
          random.mockReturnValue(draw);

          const delay = schedule.next(new Error('down')) as number;
          const exponential = Math.min(max, initial * multiplier ** index);
          const [low, high] = {
            none: [exponential, exponential],
            full: [0, exponential],
            decorrelated: [initial, Math.min(max, previous * 3)],
          }[jitter];

          expect(delay).toBeGreaterThanOrEqual(low);
          expect(delay).toBeLessThanOrEqual(high);

          previous = delay;
        }

        random.mockRestore();
      }),
    );
  });
});

describe('RetryPolicy with a breaker', () => {
  it('ends the retries when the breaker opens midway, rejecting with CircuitOpenError', async () => {
    const breaker = new Breaker({ maxFailures: 2, timeout: 60_000, clock: () => Date.now() });
    const dependency = jest.fn(() => Promise.reject(new Error('down')));
    const policy = new RetryPolicy({ attempts: 5, backoff: { jitter: 'none' } });
    const result = track(policy.execute(() => breaker.call(dependency)));

    await jest.advanceTimersByTimeAsync(100);
    expect(breaker.state).toBe('open');

    await jest.advanceTimersByTimeAsync(10_000);

    expect(dependency).toHaveBeenCalledTimes(2);
    expect(result.error).toBeInstanceOf(CircuitOpenError);
    expect(breaker.stats()).toMatchObject({ failures: 2, rejected: 1 });
    expect(jest.getTimerCount()).toBe(0);
  });

  it('does not retry a BulkheadFullError', async () => {
    const breaker = new Breaker({ maxConcurrent: 1 });
    const busy = breaker.call(() => new Promise<void>(() => undefined));
    const dependency = jest.fn(() => 'never');

    void busy;

    await expect(new RetryPolicy().execute(() => breaker.call(dependency))).rejects.toBeInstanceOf(
      BulkheadFullError,
    );
    expect(dependency).not.toHaveBeenCalled();
    expect(jest.getTimerCount()).toBe(0);
  });
});

describe('RetryPolicy retryOn', () => {
  it('asks retryOn with the error and the failed attempt, and stops when it says no', async () => {
    const retryOn = jest.fn((_error: unknown, attempt: number) => attempt < 2);
    const fn = alwaysFailing();
    const result = track(
      new RetryPolicy({ attempts: 5, retryOn, backoff: { jitter: 'none' } }).execute(fn),
    );

    await jest.advanceTimersByTimeAsync(10_000);

    expect(retryOn.mock.calls).toEqual([
      [new Error('down #1'), 1],
      [new Error('down #2'), 2],
    ]);
    expect(fn).toHaveBeenCalledTimes(2);
    expect(result.error).toEqual(new Error('down #2'));
  });

  it('is not asked about the last attempt nor about rejections by a breaker', async () => {
    const retryOn = jest.fn(() => true);
    const breaker = new Breaker({ maxFailures: 1, timeout: 60_000 });

    await expect(
      new RetryPolicy({ attempts: 1, retryOn }).execute(() => Promise.reject(new Error('x'))),
    ).rejects.toThrow('x');
    await expect(breaker.call(() => Promise.reject(new Error('down')))).rejects.toThrow('down');
    await expect(
      new RetryPolicy({ retryOn }).execute(() => breaker.call(() => 'never')),
    ).rejects.toBeInstanceOf(CircuitOpenError);

    expect(retryOn).not.toHaveBeenCalled();
  });

  it('rejects with the error retryOn throws', async () => {
    const policy = new RetryPolicy({
      retryOn: () => {
        throw new Error('bad classifier');
      },
    });

    await expect(policy.execute(() => Promise.reject(new Error('down')))).rejects.toThrow(
      'bad classifier',
    );
  });
});

describe('RetryPolicy abort', () => {
  it('never calls fn when the signal is already aborted', async () => {
    const fn = alwaysFailing();
    const reason = new Error('shutting down');

    await expect(new RetryPolicy().execute(fn, { signal: AbortSignal.abort(reason) })).rejects.toBe(
      reason,
    );
    expect(fn).not.toHaveBeenCalled();
  });

  it('cancels a pending wait at once and rejects with the abort reason', async () => {
    const controller = new AbortController();
    const fn = alwaysFailing();
    const policy = new RetryPolicy({ attempts: 5, backoff: { jitter: 'none' } });
    const result = track(policy.execute(fn, { signal: controller.signal }));

    await jest.advanceTimersByTimeAsync(50);
    expect(jest.getTimerCount()).toBe(1);

    controller.abort('cancelled by the caller');
    await jest.advanceTimersByTimeAsync(0);

    expect(result).toEqual({ status: 'rejected', error: 'cancelled by the caller' });
    expect(jest.getTimerCount()).toBe(0);

    await jest.advanceTimersByTimeAsync(60_000);
    expect(fn).toHaveBeenCalledTimes(1);
  });

  it('rejects at once, leaving no timer, when the signal aborts while retryOn decides', async () => {
    const controller = new AbortController();
    const policy = new RetryPolicy({
      backoff: { initial: 60_000, max: 60_000, jitter: 'none' },
      retryOn: () => {
        controller.abort('cancelled while deciding');

        return true;
      },
    });
    const result = track(policy.execute(alwaysFailing(), { signal: controller.signal }));

    await jest.advanceTimersByTimeAsync(0);

    expect(result).toEqual({ status: 'rejected', error: 'cancelled while deciding' });
    expect(jest.getTimerCount()).toBe(0);
  });

  it('abandons the attempt in flight, aborting its signal with the reason', async () => {
    const controller = new AbortController();
    const signals: AbortSignal[] = [];
    const policy = new RetryPolicy({ attempts: 5, backoff: { jitter: 'none' } });
    const result = track(
      policy.execute(
        (signal, attempt) => {
          signals.push(signal);

          return attempt === 1 ? Promise.reject(new Error('down')) : new Promise<string>(() => {});
        },
        { signal: controller.signal },
      ),
    );

    await jest.advanceTimersByTimeAsync(100);
    expect(signals).toHaveLength(2);

    const reason = new Error('stop');

    controller.abort(reason);
    await jest.advanceTimersByTimeAsync(0);

    expect(result).toEqual({ status: 'rejected', error: reason });
    expect(signals[0]).not.toBe(signals[1]);
    expect(signals[0].aborted).toBe(false);
    expect(signals[1].aborted).toBe(true);
    expect(signals[1].reason).toBe(reason);
  });

  it("leaves no listener on the caller's signal once it settles", async () => {
    const controller = new AbortController();
    const fn = jest.fn<Attempt>().mockRejectedValueOnce(new Error('down')).mockResolvedValue('ok');
    const result = track(
      new RetryPolicy({ backoff: { jitter: 'none' } }).execute(fn, { signal: controller.signal }),
    );

    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);

    await jest.advanceTimersByTimeAsync(100);

    expect(result.value).toBe('ok');
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });
});
