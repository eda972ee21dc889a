import { jest } from '@jest/globals';
import { Breaker } from '../../lib/core/index.js';
import { boom, ok, StatusError, TestClock } from './test-clock.js';

describe("the breaker's call tally", () => {
  it('counts nothing until it is first asked for', async () => {
    const breaker = new Breaker();

    await breaker.call(ok);

    expect(breaker.callTally().counts).toEqual({
      success: 0,
      failure: 0,
      ignored: 0,
      rejected: 0,
      timeout: 0,
    });
  });

  it('counts each call once, by outcome, rejections included', async () => {
    const breaker = new Breaker({ maxFailures: 2 });
    const { counts } = breaker.callTally();

    await breaker.call(ok);
    await breaker.call(() => Promise.reject(new StatusError(404))).catch(() => undefined);
    await breaker.call(boom).catch(() => undefined);
    await breaker.call(boom).catch(() => undefined);
    await breaker.call(ok).catch(() => undefined);

    expect(counts).toEqual({ success: 1, failure: 2, ignored: 1, rejected: 1, timeout: 0 });
  });

  it('counts a call past its deadline as a timeout only, and a late result of it not at all', async () => {
    jest.useFakeTimers();

    try {
      const breaker = new Breaker({ callTimeout: 100, maxFailures: 5 });
      const { counts } = breaker.callTally();
      let finish: (value: string) => void = () => undefined;
      const call = breaker.call(() => new Promise<string>((resolve) => (finish = resolve)));
      const settled = call.catch((error: unknown) => error);

      jest.advanceTimersByTime(100);
      await settled;
      finish('late');

      expect(counts).toMatchObject({ success: 0, failure: 0, timeout: 1 });
      expect(breaker.stats().failures).toBe(1);
    } finally {
      jest.useRealTimers();
    }
  });

  it('does not count a result from an earlier state', async () => {
    const breaker = new Breaker();
    const { counts } = breaker.callTally();
    const permit = breaker.acquire();

    breaker.reset();
    permit.success();

    expect(counts.success).toBe(0);
  });
});

describe('observeDurations()', () => {
  it("hands over each call's outcome and duration on the breaker's clock", async () => {
    const clock = new TestClock();
    const breaker = new Breaker({ clock: clock.read });
    const seen: [string, number][] = [];

    breaker.observeDurations((outcome, durationMs) => seen.push([outcome, durationMs]));

    await breaker.call(() => {
      clock.advance(40);

      return 'ok';
    });
    await breaker
      .call(() => {
        clock.advance(7);

        throw new Error('down');
      })
      .catch(() => undefined);

    expect(seen).toEqual([
      ['success', 40],
      ['failure', 7],
    ]);
  });

  it('stops timing calls once the last observer is detached', async () => {
    const clock = new TestClock();
    const breaker = new Breaker({ clock: clock.read });
    const detachFirst = breaker.observeDurations(() => undefined);
    const detachSecond = breaker.observeDurations(() => undefined);

    detachFirst();
    await breaker.call(ok);

    const readsWhileObserved = clock.reads;

    detachSecond();
    await breaker.call(ok);

    expect(readsWhileObserved).toBeGreaterThan(0);
    expect(clock.reads).toBe(readsWhileObserved);
  });

  it('keeps timing for slow-call rules after the observers are gone', async () => {
    const clock = new TestClock();
    const breaker = new Breaker({
      clock: clock.read,
      slowCallThreshold: 0.5,
      slowCallDuration: 10,
      minimumCalls: 1,
    });

    breaker.observeDurations(() => undefined)();
    await breaker.call(() => {
      clock.advance(10);

      return 'ok';
    });

    expect(breaker.state).toBe('open');
  });
});
