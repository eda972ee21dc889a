import { jest } from '@jest/globals';
import { Breaker, CallTimeoutError, isCallTimeoutError } from '../../lib/core/index.js';

describe('callTimeout', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('rejects with CallTimeoutError and aborts the call signal at the deadline', async () => {
    const breaker = new Breaker({ name: 'search', callTimeout: 200 });
    let seen: AbortSignal | undefined;
    const result = breaker.call((signal) => {
      seen = signal;

      return new Promise(() => undefined);
    });
    const settled = result.catch((error: unknown) => error);

    jest.advanceTimersByTime(199);
    expect(seen?.aborted).toBe(false);

    jest.advanceTimersByTime(1);

    const error = await settled;

    expect(error).toBeInstanceOf(CallTimeoutError);
    expect(isCallTimeoutError(error)).toBe(true);
    expect(error).toMatchObject({ breaker: 'search', timeoutMs: 200 });
    expect(seen?.aborted).toBe(true);
    expect(seen?.reason).toBe(error);
    expect(breaker.stats().failures).toBe(1);
  });

  it('aborts only the call whose deadline passed', async () => {
    const breaker = new Breaker({ callTimeout: 100 });
    const signals: AbortSignal[] = [];
    const hang = (signal: AbortSignal) => {
      signals.push(signal);

      return new Promise(() => undefined);
    };

    const first = breaker.call(hang).catch(() => 'timed out');

    jest.advanceTimersByTime(50);

    const second = breaker.call(hang).catch(() => 'timed out');

    jest.advanceTimersByTime(50);
    await first;

    expect(signals[0].aborted).toBe(true);
    expect(signals[1].aborted).toBe(false);

    jest.advanceTimersByTime(50);
    await second;
  });

  it('emits timeout before failure', async () => {
    const breaker = new Breaker({ callTimeout: 10 });
    const events: string[] = [];

    breaker.on('timeout', () => events.push('timeout'));
    breaker.on('failure', () => events.push('failure'));

    const result = breaker.call(() => new Promise(() => undefined)).catch(() => undefined);

    jest.advanceTimersByTime(10);
    await result;

    expect(events).toEqual(['timeout', 'failure']);
  });

  it('counts the AbortError its own deadline causes once, as the timeout', async () => {
    const breaker = new Breaker({ callTimeout: 10, maxFailures: 2 });
    const result = breaker
      .call(
        (signal) =>
          new Promise((_, reject) =>
            signal.addEventListener('abort', () =>
              reject(Object.assign(new Error('aborted'), { name: 'AbortError' })),
            ),
          ),
      )
      .catch((error: unknown) => error);

    jest.advanceTimersByTime(10);

    expect(await result).toBeInstanceOf(CallTimeoutError);
    expect(breaker.stats()).toMatchObject({ failures: 1, ignored: 0 });
  });

  it('counts a timed-out permit once even when an abort listener reports an outcome', () => {
    const breaker = new Breaker({ callTimeout: 10 });
    const permit = breaker.acquire();

    permit.signal.addEventListener('abort', () => permit.ignore());
    jest.advanceTimersByTime(10);

    expect(breaker.stats()).toMatchObject({ inFlight: 0, failures: 1, ignored: 0 });
  });

  it('clears the deadline of a released permit, which never times out', () => {
    const breaker = new Breaker({ callTimeout: 10 });

    breaker.acquire().release();

    expect(jest.getTimerCount()).toBe(0);
    jest.advanceTimersByTime(10);
    expect(breaker.stats()).toMatchObject({ inFlight: 0, failures: 0 });
  });

  it('clears the deadline when the call settles first', async () => {
    const breaker = new Breaker({ callTimeout: 1_000 });

    await breaker.call(() => Promise.resolve('fast'));

    expect(jest.getTimerCount()).toBe(0);
  });

  it('hands calls without callTimeout a shared signal that never aborts', async () => {
    const breaker = new Breaker();
    const signals: AbortSignal[] = [];

    await breaker.call((signal) => signals.push(signal));
    await breaker.call((signal) => signals.push(signal));

    expect(signals[0]).toBe(signals[1]);
    expect(signals[0].aborted).toBe(false);
  });
});
