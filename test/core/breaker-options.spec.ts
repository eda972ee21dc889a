import { Breaker, BreakerConfigError, type BreakerOptions } from '../../lib/core/index.js';

const cases: [string, unknown, string][] = [
  ['maxFailures', { maxFailures: 0 }, '0'],
  ['maxFailures', { maxFailures: -1 }, '-1'],
  ['maxFailures', { maxFailures: 1.5 }, '1.5'],
  ['maxFailures', { maxFailures: NaN }, 'NaN'],
  ['maxFailures', { maxFailures: '5' }, '"5"'],
  ['maxFailures', { maxFailures: null }, 'null'],
  ['timeout', { timeout: 0 }, '0'],
  ['timeout', { timeout: Infinity }, 'Infinity'],
  ['timeout', { timeout: -10 }, '-10'],
  ['maxRequests', { maxRequests: 0 }, '0'],
  ['failureRateThreshold', { failureRateThreshold: 0 }, '0'],
  ['failureRateThreshold', { failureRateThreshold: 1.2 }, '1.2'],
  ['slowCallThreshold', { slowCallThreshold: 0.5 }, '0.5'],
  ['slowCallDuration', { slowCallDuration: -1 }, '-1'],
  ['minimumCalls', { minimumCalls: 0 }, '0'],
  ['callTimeout', { callTimeout: NaN }, 'NaN'],
  ['callTimeout', { callTimeout: Infinity }, 'Infinity'],
  ['callTimeout', { callTimeout: 2 ** 31 }, '2147483648'],
  ['maxConcurrent', { maxConcurrent: 0 }, '0'],
  ['name', { name: '' }, '""'],
  ['name', { name: 42 }, '42'],
  ['isFailure', { isFailure: 'yes' }, '"yes"'],
  ['clock', { clock: 12 }, '12'],
  ['timeot', { timeot: 1000 }, '1000'],
  ['window.kind', { failureRateThreshold: 0.5, window: { kind: 'sliding' } }, '"sliding"'],
  ['window.size', { failureRateThreshold: 0.5, window: { kind: 'count', size: 5 } }, '5'],
  ['window.size', { failureRateThreshold: 0.5, window: { kind: 'count' } }, 'undefined'],
  ['window.buckets', { window: { kind: 'time', buckets: 0 } }, '0'],
  [
    'window.buckets',
    { failureRateThreshold: 0.5, window: { kind: 'time', duration: 5, buckets: 10 } },
    '10',
  ],
  ['window.duration', { window: { kind: 'time', duration: -5 } }, '-5'],
  ['window.limit', { window: { kind: 'time', limit: 3 } }, '3'],
  ['backoff.multiplier', { backoff: { multiplier: 0.5 } }, '0.5'],
  ['backoff.jitter', { backoff: { jitter: 2 } }, '2'],
  ['backoff.max', { timeout: 1_000, backoff: { max: 500 } }, '500'],
  ['backoff', { backoff: 2 }, '2'],
  ['initialState', { initialState: 'open' }, '"open"'],
  ['options', 'fast', '"fast"'],
];

describe('option validation', () => {
  it.each(cases)('rejects a bad %s (%p)', (option, options, shown) => {
    let caught: unknown;

    try {
      new Breaker(options as BreakerOptions);
    } catch (error) {
      caught = error;
    }

    expect(caught).toBeInstanceOf(BreakerConfigError);
    expect(caught).toMatchObject({ name: 'BreakerConfigError', option });
    expect((caught as Error).message).toContain(`"${option}"`);
    expect((caught as Error).message).toContain(`received ${shown}`);
  });

  it('takes undefined as the default', () => {
    const breaker = new Breaker({ maxFailures: undefined, timeout: undefined });

    expect(breaker.stats().state).toBe('closed');
  });

  it('says what is allowed', () => {
    expect(() => new Breaker({ failureRateThreshold: 2 })).toThrow(
      'expected a number with 0 < r <= 1',
    );
  });
});
