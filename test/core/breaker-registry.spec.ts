import { jest } from '@jest/globals';
import { Breaker, BreakerConfigError, BreakerRegistry } from '../../lib/core/index.js';
import { TestClock } from './test-clock.js';

describe('BreakerRegistry', () => {
  it('merges defaults, the named entry and creation overrides', () => {
    const registry = new BreakerRegistry({
      defaults: { maxFailures: 2, timeout: 1_000 },
      breakers: { payments: { maxFailures: 1 } },
    });
    const payments = registry.getOrCreate('payments', { timeout: 3_000 });

    payments.acquire().failure(new Error('down'));

    expect(payments.name).toBe('payments');
    expect(payments.stats()).toMatchObject({ state: 'open', retryAfter: expect.any(Number) });
    expect(payments.stats().retryAfter).toBeGreaterThan(2_000);
    registry.close();
  });

  it('creates configured breakers on first use and returns the same one after', () => {
    const registry = new BreakerRegistry({ breakers: { search: {} } });

    expect([...registry]).toHaveLength(0);

    const search = registry.get('search');

    expect(search).toBeInstanceOf(Breaker);
    expect(registry.get('search')).toBe(search);
    expect(registry.getOrCreate('search', { timeout: 1 })).toBe(search);
    expect([...registry]).toEqual([search]);
  });

  it('lists the known names when get() is asked for an unknown one', () => {
    const registry = new BreakerRegistry({ breakers: { search: {}, payments: {} } });

    registry.getOrCreate('dynamic');

    expect(() => registry.get('serach')).toThrow(
      'No circuit breaker named "serach". Known breakers: search, payments, dynamic.',
    );
  });

  it('validates every configured entry when built, naming the breaker', () => {
    expect(() => new BreakerRegistry({ breakers: { payments: { timeout: -1 } } })).toThrow(
      expect.objectContaining({ option: 'breakers.payments.timeout' }),
    );
    expect(() => new BreakerRegistry({ defaults: { maxRequests: 0 } })).toThrow(
      expect.objectContaining({ option: 'defaults.maxRequests' }),
    );
    expect(() => new BreakerRegistry({ maxBreakers: 0 })).toThrow(BreakerConfigError);
  });

  it('evicts the least recently used idle closed breaker past maxBreakers', () => {
    const registry = new BreakerRegistry({ maxBreakers: 2, breakers: { fixed: {} } });
    const evicted: string[] = [];

    registry.on('evicted', (breaker) => evicted.push(breaker.name));
    registry.get('fixed');

    const a = registry.getOrCreate('a');

    registry.getOrCreate('b');
    registry.getOrCreate('a');
    registry.getOrCreate('c');

    expect(evicted).toEqual(['b']);
    expect([...registry].map((breaker) => breaker.name).sort()).toEqual(['a', 'c', 'fixed']);
    expect(registry.getOrCreate('a')).toBe(a);
  });

  it('keeps busy or open breakers and leaves the evicted one working for its holder', async () => {
    const registry = new BreakerRegistry({ maxBreakers: 1, defaults: { maxFailures: 1 } });
    const busy = registry.getOrCreate('busy');
    const permit = busy.acquire();

    registry.getOrCreate('next');
    expect(registry.has('busy')).toBe(true);

    permit.success();
    registry.getOrCreate('third');
    expect(registry.has('busy')).toBe(false);
    await expect(busy.call(() => 'still works')).resolves.toBe('still works');
  });

  it('forwards every breaker event, including from breakers created later', () => {
    const registry = new BreakerRegistry({ defaults: { maxFailures: 1 } });
    const changes: string[] = [];

    registry.getOrCreate('early');

    const unsubscribe = registry.on('state-change', (event) =>
      changes.push(`${event.breaker}:${event.to}`),
    );

    registry.get('early').acquire().failure(new Error('down'));
    registry.getOrCreate('late').acquire().failure(new Error('down'));
    unsubscribe();
    registry.get('late').reset();

    expect(changes).toEqual(['early:open', 'late:open']);
    registry.close();
  });

  describe('timer', () => {
    beforeEach(() => jest.useFakeTimers());
    afterEach(() => jest.useRealTimers());

    it('holds one timer while a breaker is open, so half-open happens on time', () => {
      const clock = new TestClock();
      const registry = new BreakerRegistry({
        defaults: { maxFailures: 1, clock: clock.read },
        breakers: { slow: { timeout: 5_000 }, fast: { timeout: 1_000 } },
      });
      const changes: string[] = [];

      registry.on('state-change', (event) => changes.push(`${event.breaker}:${event.to}`));
      registry.get('slow').acquire().failure(new Error('down'));
      registry.get('fast').acquire().failure(new Error('down'));
      expect(jest.getTimerCount()).toBe(1);

      clock.advance(1_000);
      jest.advanceTimersByTime(1_000);
      expect(changes).toContain('fast:half-open');
      expect(jest.getTimerCount()).toBe(1);

      clock.advance(4_000);
      jest.advanceTimersByTime(4_000);
      expect(changes).toContain('slow:half-open');
      expect(jest.getTimerCount()).toBe(0);
      registry.close();
    });

    it('releases the timer on close()', () => {
      const registry = new BreakerRegistry({ defaults: { maxFailures: 1 } });

      registry.getOrCreate('a').acquire().failure(new Error('down'));
      expect(jest.getTimerCount()).toBe(1);

      registry.close();
      expect(jest.getTimerCount()).toBe(0);
    });
  });
});
