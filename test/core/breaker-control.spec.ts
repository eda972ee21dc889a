import { jest } from '@jest/globals';
import { Breaker, type BreakerSnapshot, type StateChangeEvent } from '../../lib/core/index.js';
import { boom, TestClock } from './test-clock.js';

describe('manual control', () => {
  it('forceOpen() rejects every call with an unknown retryAfter until reset()', async () => {
    const clock = new TestClock();
    const breaker = new Breaker({ clock: clock.read });

    breaker.forceOpen();
    clock.advance(1e9);

    await expect(breaker.call(() => 1)).rejects.toMatchObject({
      state: 'forced-open',
      retryAfter: undefined,
    });

    breaker.reset();
    await expect(breaker.call(() => 1)).resolves.toBe(1);
  });

  it('disable() lets every call through and records it without ever tripping', async () => {
    const breaker = new Breaker({ maxFailures: 1 });

    breaker.disable();

    for (let i = 0; i < 5; i++) await breaker.call(boom).catch(() => undefined);

    expect(breaker.stats()).toMatchObject({ state: 'disabled', failures: 5 });
  });

  it('only reset() leaves forced-open and disabled', () => {
    const breaker = new Breaker();

    breaker.disable();
    breaker.forceOpen();
    expect(breaker.state).toBe('disabled');

    breaker.reset();
    breaker.forceOpen();
    breaker.disable();
    expect(breaker.state).toBe('forced-open');
  });

  it('reset() clears the counts but keeps the lifetime rejections', async () => {
    const breaker = new Breaker({ maxFailures: 2 });

    await breaker.call(boom).catch(() => undefined);
    breaker.forceOpen();
    await breaker.call(() => 1).catch(() => undefined);
    breaker.reset();

    expect(breaker.stats()).toMatchObject({
      state: 'closed',
      failures: 0,
      consecutiveFailures: 0,
      rejected: 1,
    });
  });
});

describe('events', () => {
  it('fires outcome events before the state change they cause', async () => {
    const breaker = new Breaker({ maxFailures: 1 });
    const seen: string[] = [];

    breaker.on('failure', () => seen.push('failure'));
    breaker.on('state-change', (event) => seen.push(`${event.from}->${event.to}`));
    breaker.on('rejected', () => seen.push('rejected'));

    await breaker.call(boom).catch(() => undefined);
    await breaker.call(boom).catch(() => undefined);

    expect(seen).toEqual(['failure', 'closed->open', 'rejected']);
  });

  it('describes the change with the breaker name, reason and stats', () => {
    const breaker = new Breaker({ name: 'inventory', maxFailures: 1 });
    const changes: StateChangeEvent[] = [];

    breaker.on('state-change', (event) => changes.push(event));
    breaker.acquire().failure(new Error('down'));

    expect(changes).toEqual([
      expect.objectContaining({
        breaker: 'inventory',
        from: 'closed',
        to: 'open',
        reason: 'consecutive-failures',
        stats: expect.objectContaining({ failures: 1, state: 'open' }),
      }),
    ]);
  });

  it('fires state-change only when the state really changes', () => {
    const breaker = new Breaker();
    const listener = jest.fn();

    breaker.on('state-change', listener);
    breaker.reset();
    breaker.forceOpen();
    breaker.forceOpen();

    expect(listener).toHaveBeenCalledTimes(1);
  });

  it('keeps working when a listener throws', async () => {
    const breaker = new Breaker({ maxFailures: 1 });
    const warning = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);

    try {
      breaker.on('failure', () => {
        throw new Error('listener bug');
      });
      breaker.on('state-change', () => {
        throw new Error('listener bug');
      });

      await expect(breaker.call(boom)).rejects.toThrow('boom');
      expect(breaker.state).toBe('open');
      expect(warning).toHaveBeenCalledWith(
        expect.stringContaining('listener bug'),
        expect.anything(),
      );
    } finally {
      warning.mockRestore();
    }
  });

  it('keeps the state an outcome listener set, instead of judging the outcome after it', async () => {
    const breaker = new Breaker({ maxFailures: 1 });
    const changes: string[] = [];

    breaker.on('state-change', (event) => changes.push(`${event.from}->${event.to}`));
    breaker.on('failure', () => breaker.forceOpen());

    await breaker.call(boom).catch(() => undefined);

    expect(breaker.state).toBe('forced-open');
    expect(changes).toEqual(['closed->forced-open']);
  });

  it('keeps a disabled state a probe outcome listener set', () => {
    const clock = new TestClock();
    const breaker = new Breaker({ maxFailures: 1, timeout: 1_000, clock: clock.read });

    breaker.acquire().failure(new Error('down'));
    clock.advance(1_000);

    const probe = breaker.acquire();

    breaker.on('success', () => breaker.disable());
    probe.success();

    expect(breaker.state).toBe('disabled');
  });

  it('stops calling a listener once unsubscribed', () => {
    const breaker = new Breaker();
    const listener = jest.fn();
    const unsubscribe = breaker.on('success', listener);

    breaker.acquire().success();
    unsubscribe();
    breaker.acquire().success();

    expect(listener).toHaveBeenCalledTimes(1);
  });
});

describe('toJSON() and initialState', () => {
  it('restores an open breaker with its timestamps exactly', () => {
    const clock = new TestClock();
    const original = new Breaker({ maxFailures: 1, timeout: 5_000, clock: clock.read });

    original.acquire().failure(new Error('down'));
    clock.advance(2_000);

    const restored = new Breaker({
      maxFailures: 1,
      timeout: 5_000,
      clock: clock.read,
      initialState: JSON.parse(JSON.stringify(original.toJSON())),
    });

    expect(restored.stats()).toEqual(original.stats());
    expect(restored.state).toBe('open');

    clock.advance(3_000);
    expect(restored.state).toBe('half-open');
  });

  it('restores the backoff duration that was chosen', () => {
    const clock = new TestClock();
    const random = jest.spyOn(Math, 'random').mockReturnValue(0.5);
    const options = { maxFailures: 1, clock: clock.read, backoff: { jitter: 1 } };

    try {
      const original = new Breaker(options);

      original.acquire().failure(new Error('down'));
      random.mockReturnValue(0);

      const restored = new Breaker({ ...options, initialState: original.toJSON() });

      expect(restored.stats().retryAfter).toBe(5_000);
    } finally {
      random.mockRestore();
    }
  });

  it('restores the window and the counts', () => {
    const options = {
      failureRateThreshold: 0.5,
      minimumCalls: 4,
      window: { kind: 'count' as const, size: 4 },
    };
    const original = new Breaker(options);

    original.acquire().success();
    original.acquire().failure(new Error('down'));
    original.acquire().success();

    const restored = new Breaker({ ...options, initialState: original.toJSON() });

    expect(restored.stats()).toEqual(original.stats());

    restored.acquire().failure(new Error('down'));
    expect(restored.state).toBe('open');
  });

  it('restores a half-open period with its succeeded probes and its deadline', () => {
    const clock = new TestClock();
    const options = { maxFailures: 1, timeout: 5_000, maxRequests: 3, clock: clock.read };
    const original = new Breaker(options);

    original.acquire().failure(new Error('down'));
    clock.advance(5_000);
    original.acquire().success();
    original.acquire();
    clock.advance(1_000);

    const restored = new Breaker({
      ...options,
      initialState: JSON.parse(JSON.stringify(original.toJSON())),
    });

    expect(restored.stats()).toMatchObject({ state: 'half-open', retryAfter: 0 });

    restored.acquire().success();
    restored.acquire().success();
    expect(restored.state).toBe('closed');

    const expiring = new Breaker({ ...options, initialState: original.toJSON() });

    clock.advance(4_000);
    expect(expiring.state).toBe('open');
  });

  it('refuses a snapshot that toJSON() cannot have produced', () => {
    expect(
      () => new Breaker({ initialState: { ...new Breaker().toJSON(), state: 'ajar' as never } }),
    ).toThrow(/initialState\.state.*"ajar"/);
  });

  it.each([
    [
      'an open period that ends before it began',
      { state: 'open', since: 10, openUntil: 5 },
      'openUntil',
    ],
    [
      'a negative count of succeeded probes',
      { state: 'half-open', probesSucceeded: -1 },
      'probesSucceeded',
    ],
    [
      'a half-open deadline before the period began',
      { state: 'half-open', since: 10, halfOpenDeadline: 5 },
      'halfOpenDeadline',
    ],
    ['a window for a breaker that has none', { window: { kind: 'count', outcomes: [] } }, 'window'],
  ])('refuses %s', (_case, fields, field) => {
    const initialState = { ...new Breaker().toJSON(), ...fields } as BreakerSnapshot;

    expect(() => new Breaker({ initialState })).toThrow(
      expect.objectContaining({
        name: 'BreakerConfigError',
        option: `initialState.${field}`,
      }) as Error,
    );
  });
});
