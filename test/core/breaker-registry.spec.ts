import { jest } from '@jest/globals';
import {
  Breaker,
  BreakerConfigError,
  BreakerRegistry,
  isCircuitOpenError,
  type BreakerRegistryOptions,
} from '../../lib/core/index.js';
import { MAX_TIMER_MS } from '../../lib/core/validate-options.js';
import { boom, TestClock } from './test-clock.js';

const DAY_MS = 24 * 60 * 60 * 1_000;

/** The names of the breakers a registry lists, in its order. */
const namesIn = (registry: BreakerRegistry) => [...registry].map((breaker) => breaker.name);

/**
 * A registry of at most two breakers outside its configuration, each opening after two failures
 * for 1 s on a test clock, with the names of the breakers it evicts.
 */
function cappedRegistry() {
  const clock = new TestClock();
  const registry = new BreakerRegistry({
    maxBreakers: 2,
    defaults: { maxFailures: 2, timeout: 1_000, clock: clock.read },
  });
  const evicted: string[] = [];

  registry.on('evicted', (breaker) => evicted.push(breaker.name));

  return { registry, clock, evicted };
}

/** Runs `body` with process warnings caught, and returns the messages it warned with. */
function warningsOf(body: () => void): string[] {
  const warning = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);

  try {
    body();

    return warning.mock.calls.map(([message]) => String(message));
  } finally {
    warning.mockRestore();
  }
}

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

  it.each([
    ['an unknown key', { default: { timeout: 1 } }, 'default', { timeout: 1 }],
    ['null breakers', { breakers: null }, 'breakers', null],
    ['breakers that are no object', { breakers: 'payments' }, 'breakers', 'payments'],
    ['null defaults', { defaults: null }, 'defaults', null],
    ['defaults that are no object', { defaults: 5 }, 'defaults', 5],
    ['a null maxBreakers', { maxBreakers: null }, 'maxBreakers', null],
    ['a null entry', { breakers: { payments: null } }, 'breakers.payments', null],
    ['options that are no object', null, 'options', null],
  ])('refuses %s, naming the option and the value', (_problem, options, option, value) => {
    const build = () => new BreakerRegistry(options as BreakerRegistryOptions);

    expect(build).toThrow(BreakerConfigError);
    expect(build).toThrow(expect.objectContaining({ option, value }));
  });

  it('takes undefined options as their defaults', () => {
    const registry = new BreakerRegistry({
      defaults: undefined,
      breakers: undefined,
      maxBreakers: undefined,
    });

    expect(registry.getOrCreate('a').stats().state).toBe('closed');
  });

  it('names the breaker in the error for invalid overrides, and creates nothing', () => {
    const registry = new BreakerRegistry({ defaults: { timeout: 5_000 } });

    expect(() => registry.getOrCreate('search', { timeout: -1 })).toThrow(
      expect.objectContaining({ option: 'search.timeout', value: -1 }),
    );
    expect(() => registry.getOrCreate('search', { tiemout: 1 } as never)).toThrow(
      '"search.tiemout": received 1; unknown option',
    );
    expect(() => registry.getOrCreate('search', null as never)).toThrow(
      expect.objectContaining({ option: 'search', value: null }),
    );
    expect(() => registry.getOrCreate('search', { backoff: { max: 1_000 } })).toThrow(
      expect.objectContaining({ option: 'search.backoff.max', value: 1_000 }),
    );
    expect(registry.has('search')).toBe(false);
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

  it('keeps declared breakers out of the cap, also one first created from user input', () => {
    const registry = new BreakerRegistry({ maxBreakers: 1 });
    const evicted: string[] = [];

    registry.on('evicted', (breaker) => evicted.push(breaker.name));

    const declared = registry.declare('payments', { maxFailures: 2 });
    const adopted = registry.getOrCreate('search');

    expect(registry.declare('search')).toBe(adopted);

    registry.getOrCreate('user-1');
    registry.getOrCreate('user-2');

    expect(evicted).toEqual(['user-1']);
    expect(registry.get('payments')).toBe(declared);
    expect(registry.get('search')).toBe(adopted);
    expect(registry.configuredNames()).toEqual(['payments', 'search']);
  });

  it('keeps busy or open breakers and leaves the evicted one working for its holder', async () => {
    const { registry, clock, evicted } = cappedRegistry();

    const busy = registry.getOrCreate('busy');
    const permit = busy.acquire();
    const open = registry.getOrCreate('open');

    await expect(open.call(boom)).rejects.toThrow('boom');
    await expect(open.call(boom)).rejects.toThrow('boom');
    expect(open.state).toBe('open');

    registry.getOrCreate('next');
    expect(namesIn(registry)).toEqual(['busy', 'open', 'next']);

    permit.success();
    clock.advance(1_000);
    expect(open.state).toBe('half-open');

    registry.getOrCreate('third');
    expect(evicted).toEqual(['busy', 'next']);
    expect(namesIn(registry)).toEqual(['open', 'third']);
    await expect(busy.call(() => 'still works')).resolves.toBe('still works');
    registry.close();
  });

  it('keeps a breaker created past the cap, so that it can trip while the others are open', async () => {
    const { registry, clock, evicted } = cappedRegistry();

    const failTwice = async (name: string) => {
      await expect(registry.getOrCreate(name).call(boom)).rejects.toThrow('boom');
      await expect(registry.getOrCreate(name).call(boom)).rejects.toThrow('boom');
    };

    await failTwice('user-1');
    await failTwice('user-2');
    await failTwice('user-3');

    const rejection = await registry
      .getOrCreate('user-3')
      .call(() => 'not called')
      .catch((error: unknown) => error);

    expect(isCircuitOpenError(rejection)).toBe(true);
    expect(registry.get('user-3').state).toBe('open');
    expect(namesIn(registry)).toEqual(['user-1', 'user-2', 'user-3']);
    expect(evicted).toEqual([]);

    // Once one has closed again, the next creation brings the registry back toward the cap.
    clock.advance(1_000);
    await registry.get('user-1').call(() => 'recovered');
    registry.getOrCreate('user-4');

    expect(evicted).toEqual(['user-1']);
    expect(namesIn(registry)).toEqual(['user-2', 'user-3', 'user-4']);
    registry.close();
  });

  it('reports a created or evicted listener that throws as a warning and finishes its work', () => {
    const registry = new BreakerRegistry({ maxBreakers: 2 });
    const evicted: string[] = [];
    let created: Breaker | undefined;

    registry.on('created', () => {
      throw new Error('created listener bug');
    });
    registry.on('evicted', () => {
      throw new Error('evicted listener bug');
    });
    registry.on('evicted', (breaker) => evicted.push(breaker.name));

    const warnings = warningsOf(() => {
      const permits = [registry.getOrCreate('a').acquire(), registry.getOrCreate('b').acquire()];

      registry.getOrCreate('c');
      permits.forEach((permit) => permit.success());
      created = registry.getOrCreate('d');
    });

    expect(created).toBeInstanceOf(Breaker);
    expect(registry.get('d')).toBe(created);
    expect(evicted).toEqual(['a', 'b']);
    expect(namesIn(registry)).toEqual(['c', 'd']);
    // 'd' is announced after the breakers its creation evicted.
    expect(warnings).toEqual([
      ...Array(3).fill("A 'created' listener threw: created listener bug"),
      ...Array(2).fill("A 'evicted' listener threw: evicted listener bug"),
      "A 'created' listener threw: created listener bug",
    ]);
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
    afterEach(() => {
      jest.useRealTimers();
      jest.restoreAllMocks();
    });

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

    it('holds the timer for a breaker created open from a snapshot', () => {
      const clock = new TestClock();
      const registry = new BreakerRegistry({ defaults: { timeout: 1_000, clock: clock.read } });
      const source = new Breaker({ maxFailures: 1, timeout: 1_000, clock: clock.read });
      const changes: string[] = [];

      source.acquire().failure(new Error('down'));
      registry.on('state-change', (event) => changes.push(`${event.breaker}:${event.to}`));
      registry.getOrCreate('restored', { initialState: source.toJSON() });
      expect(jest.getTimerCount()).toBe(1);

      clock.advance(1_000);
      jest.advanceTimersByTime(1_000);
      expect(changes).toEqual(['restored:half-open']);
      expect(jest.getTimerCount()).toBe(0);
      registry.close();
    });

    it('waits out an open period longer than a timer can hold without firing early', () => {
      const registry = new BreakerRegistry({
        defaults: { maxFailures: 1, timeout: 30 * DAY_MS, clock: () => Date.now() },
      });
      const changes: string[] = [];
      const wakes = jest.spyOn(Breaker.prototype, 'msUntilHalfOpen');
      const start = Date.now();

      registry.on('state-change', (event) => changes.push(`${event.breaker}:${event.to}`));

      registry.getOrCreate('a').acquire().failure(new Error('down'));
      expect(jest.getTimerCount()).toBe(1);

      // A longer delay would be cut to 1 ms, and the timer would fire a thousand times here.
      jest.advanceTimersByTime(1_000);
      expect(wakes).toHaveBeenCalledTimes(1);
      expect(changes).toEqual(['a:open']);

      // The timer holds at most 2^31 - 1 ms, about 24.9 days, then re-arms for the rest.
      jest.advanceTimersToNextTimer();
      expect(Date.now() - start).toBe(MAX_TIMER_MS);
      expect(changes).toEqual(['a:open']);
      expect(jest.getTimerCount()).toBe(1);

      jest.advanceTimersByTime(30 * DAY_MS - MAX_TIMER_MS - 1);
      expect(changes).toEqual(['a:open']);

      jest.advanceTimersByTime(1);
      expect(changes).toEqual(['a:open', 'a:half-open']);
      expect(Date.now() - start).toBe(30 * DAY_MS);
      expect(jest.getTimerCount()).toBe(0);
      registry.close();
    });

    it('re-arms a capped timer for a backoff without an upper bound', () => {
      const clock = new TestClock();
      const registry = new BreakerRegistry({
        defaults: {
          maxFailures: 1,
          timeout: 20 * DAY_MS,
          backoff: { multiplier: 2, max: Infinity },
          clock: clock.read,
        },
      });
      const breaker = registry.getOrCreate('a');

      breaker.acquire().failure(new Error('down'));
      clock.advance(20 * DAY_MS);
      expect(breaker.state).toBe('half-open');

      // The failed probe re-opens it for 40 days.
      breaker.acquire().failure(new Error('still down'));
      expect(breaker.stats().retryAfter).toBe(40 * DAY_MS);

      const readsBefore = clock.reads;

      jest.advanceTimersByTime(1_000);
      expect(clock.reads).toBe(readsBefore);
      expect(breaker.stats().state).toBe('open');
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
