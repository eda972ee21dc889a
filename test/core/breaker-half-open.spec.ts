import { jest } from '@jest/globals';
import { Breaker, type BreakerOptions, type StateChangeEvent } from '../../lib/core/index.js';
import { boom, ok, TestClock } from './test-clock.js';

function openBreaker(options: BreakerOptions = {}) {
  const clock = new TestClock();
  const breaker = new Breaker({ maxFailures: 1, timeout: 1_000, clock: clock.read, ...options });
  const changes: StateChangeEvent[] = [];

  breaker.on('state-change', (event) => changes.push(event));
  breaker.acquire().failure(new Error('down'));

  return { clock, breaker, changes };
}

describe('open circuit', () => {
  it('becomes half-open when first observed after the open duration, with no timer', () => {
    const { clock, breaker, changes } = openBreaker();

    clock.advance(999);
    expect(breaker.state).toBe('open');

    clock.advance(1);
    expect(breaker.state).toBe('half-open');
    expect(changes.map((change) => [change.from, change.to, change.reason])).toEqual([
      ['closed', 'open', 'consecutive-failures'],
      ['open', 'half-open', 'open-elapsed'],
    ]);
  });

  it('reports when it opened and how long until it admits probes', () => {
    const { clock, breaker } = openBreaker();
    const openedAt = clock.now;

    clock.advance(400);

    expect(breaker.stats()).toMatchObject({ state: 'open', openedAt, retryAfter: 600 });
  });
});

describe('half-open circuit', () => {
  it('closes after one successful probe by default', async () => {
    const { clock, breaker } = openBreaker();

    clock.advance(1_000);
    await breaker.call(ok);

    expect(breaker.state).toBe('closed');
  });

  it('admits maxRequests probes and needs all of them to succeed', async () => {
    const { clock, breaker } = openBreaker({ maxRequests: 3 });

    clock.advance(1_000);

    const probes = [breaker.acquire(), breaker.acquire(), breaker.acquire()];

    expect(() => breaker.acquire()).toThrow(expect.objectContaining({ state: 'half-open' }));

    probes[0].success();
    probes[1].success();
    expect(breaker.state).toBe('half-open');

    probes[2].success();
    expect(breaker.state).toBe('closed');
  });

  it('counts finished probes against maxRequests, not only those in flight', () => {
    const { clock, breaker } = openBreaker({ maxRequests: 2 });

    clock.advance(1_000);
    breaker.acquire().success();
    breaker.acquire();

    expect(() => breaker.acquire()).toThrow(expect.objectContaining({ name: 'CircuitOpenError' }));
  });

  it('re-opens at once when any probe fails', async () => {
    const { clock, breaker, changes } = openBreaker({ maxRequests: 2 });

    clock.advance(1_000);

    const first = breaker.acquire();

    await breaker.call(boom).catch(() => undefined);
    expect(breaker.state).toBe('open');
    expect(changes.at(-1)).toMatchObject({ from: 'half-open', to: 'open', reason: 'probe-failed' });

    first.success();
    expect(breaker.state).toBe('open');
  });

  it('gives an ignored probe slot back', () => {
    const { clock, breaker } = openBreaker();

    clock.advance(1_000);
    breaker.acquire().ignore();

    expect(() => breaker.acquire()).not.toThrow();
  });

  it('frees a released probe slot without deciding the period', () => {
    const { clock, breaker } = openBreaker();

    clock.advance(1_000);
    breaker.acquire().release();

    expect(breaker.state).toBe('half-open');
    expect(() => breaker.acquire()).not.toThrow();
  });

  it('tells rejected callers how long until the half-open period expires', () => {
    const { clock, breaker } = openBreaker({ timeout: 1_000 });

    clock.advance(1_000);
    breaker.acquire();
    clock.advance(300);

    expect(() => breaker.acquire()).toThrow(expect.objectContaining({ retryAfter: 700 }));
  });

  it('re-opens when a hung probe does not decide within timeout', () => {
    const { clock, breaker, changes } = openBreaker();

    clock.advance(1_000);
    breaker.acquire();
    clock.advance(999);
    expect(breaker.state).toBe('half-open');

    clock.advance(1);
    expect(breaker.state).toBe('open');
    expect(changes.at(-1)).toMatchObject({ to: 'open', reason: 'half-open-expired' });
  });

  it('waits for traffic when no probe was admitted', () => {
    const { clock, breaker } = openBreaker();

    clock.advance(1_000_000);

    expect(breaker.state).toBe('half-open');
  });

  it('treats a slow probe as failed when a slow-call rule is set', () => {
    const { clock, breaker } = openBreaker({
      slowCallThreshold: 0.5,
      slowCallDuration: 100,
      maxFailures: 1,
    });

    clock.advance(1_000);

    const probe = breaker.acquire();

    clock.advance(100);
    probe.success();

    expect(breaker.state).toBe('open');
  });
});

describe('generations', () => {
  it('returns a late result to its caller without counting it', async () => {
    const { clock, breaker } = openBreaker({ maxFailures: 3 });
    let finish: (value: string) => void = () => undefined;

    breaker.reset();

    const late = breaker.call(() => new Promise<string>((resolve) => (finish = resolve)));

    breaker.forceOpen();
    breaker.reset();
    clock.advance(10);
    finish('late');

    await expect(late).resolves.toBe('late');
    expect(breaker.stats()).toMatchObject({ successes: 0, failures: 0, calls: 0 });
  });

  it('does not let a failure from before a close re-open the circuit', async () => {
    const { clock, breaker } = openBreaker();
    let fail: (error: Error) => void = () => undefined;

    clock.advance(1_000);

    const stale = breaker.acquire();

    stale.success();
    expect(breaker.state).toBe('closed');

    const hanging = breaker.call(() => new Promise((_, reject) => (fail = reject)));

    breaker.reset();
    fail(new Error('late'));
    await hanging.catch(() => undefined);

    expect(breaker.state).toBe('closed');
    expect(breaker.stats().failures).toBe(0);
  });
});

describe('backoff', () => {
  it('lengthens each re-open after a failed probe and caps it', () => {
    const { clock, breaker } = openBreaker({ backoff: { multiplier: 3, max: 5_000 } });
    const openFor = () => breaker.stats().retryAfter;

    expect(openFor()).toBe(1_000);

    clock.advance(1_000);
    breaker.acquire().failure(new Error('still down'));
    expect(openFor()).toBe(3_000);

    clock.advance(3_000);
    breaker.acquire().failure(new Error('still down'));
    expect(openFor()).toBe(5_000);
  });

  it('starts over after the circuit closes', () => {
    const { clock, breaker } = openBreaker({ backoff: {} });

    clock.advance(1_000);
    breaker.acquire().failure(new Error('still down'));
    clock.advance(2_000);
    breaker.acquire().success();
    breaker.acquire().failure(new Error('down again'));

    expect(breaker.stats().retryAfter).toBe(1_000);
  });

  it('shortens the open duration by at most the jitter fraction', () => {
    const random = jest.spyOn(Math, 'random');

    try {
      random.mockReturnValue(0.999);
      const { breaker } = openBreaker({ backoff: { jitter: 0.5 } });

      expect(breaker.stats().retryAfter).toBeCloseTo(500.5, 5);

      random.mockReturnValue(0);
      breaker.reset();
      breaker.acquire().failure(new Error('down'));
      expect(breaker.stats().retryAfter).toBe(1_000);
    } finally {
      random.mockRestore();
    }
  });
});
