import { Breaker, type BreakerOptions } from '../../lib/core/index.js';
import { TestClock } from './test-clock.js';

function rateBreaker(options: BreakerOptions) {
  const clock = new TestClock(0);
  const breaker = new Breaker({ clock: clock.read, ...options });
  const record = (...outcomes: ('ok' | 'fail')[]) => {
    for (const outcome of outcomes) {
      const permit = breaker.acquire();

      if (outcome === 'ok') permit.success();
      else permit.failure(new Error('down'));
    }
  };

  return { clock, breaker, record };
}

describe('failure-rate rule', () => {
  it('opens when the failure rate of a count window reaches the threshold', () => {
    const { breaker, record } = rateBreaker({
      failureRateThreshold: 0.5,
      minimumCalls: 4,
      window: { kind: 'count', size: 4 },
    });

    record('ok', 'ok', 'fail');
    expect(breaker.state).toBe('closed');

    record('fail');
    expect(breaker.state).toBe('open');
    expect(breaker.stats()).toMatchObject({ failures: 2, successes: 2, failureRate: 0.5 });
  });

  it('judges nothing before minimumCalls outcomes', () => {
    const { breaker, record } = rateBreaker({ failureRateThreshold: 0.5, minimumCalls: 5 });

    record('fail', 'fail', 'fail', 'fail');
    expect(breaker.state).toBe('closed');

    record('ok');
    expect(breaker.state).toBe('closed');

    record('fail');
    expect(breaker.state).toBe('open');
  });

  it('turns the consecutive rule off unless maxFailures is also set', () => {
    const alone = rateBreaker({ failureRateThreshold: 1, minimumCalls: 20 });
    const both = rateBreaker({ failureRateThreshold: 1, minimumCalls: 20, maxFailures: 3 });

    alone.record('fail', 'fail', 'fail', 'fail', 'fail', 'fail');
    both.record('fail', 'fail', 'fail');

    expect(alone.breaker.state).toBe('closed');
    expect(both.breaker.state).toBe('open');
  });

  it('drops outcomes older than the time window, even after an idle gap', () => {
    const { clock, breaker, record } = rateBreaker({
      failureRateThreshold: 0.5,
      minimumCalls: 4,
      window: { kind: 'time', duration: 1_000, buckets: 10 },
    });

    record('fail', 'fail', 'fail');
    clock.advance(1_000);
    expect(breaker.stats().calls).toBe(0);

    record('ok', 'ok', 'ok', 'fail');
    expect(breaker.state).toBe('closed');

    clock.advance(50_000);
    record('ok', 'fail', 'ok');
    expect(breaker.stats()).toMatchObject({ calls: 3, failures: 1 });
  });

  it('counts as calls only the outcomes the window holds, ignored ones apart', () => {
    const { clock, breaker, record } = rateBreaker({
      failureRateThreshold: 0.5,
      window: { kind: 'time', duration: 1_000, buckets: 10 },
    });

    record('ok', 'fail');
    breaker.acquire().ignore();
    clock.advance(1_000);
    record('ok');

    expect(breaker.stats()).toMatchObject({ calls: 1, successes: 1, failures: 0, ignored: 1 });
  });

  it('keeps a bucket until the whole window has passed it', () => {
    const { clock, breaker, record } = rateBreaker({
      failureRateThreshold: 1,
      window: { kind: 'time', duration: 1_000, buckets: 10 },
    });

    record('fail');
    clock.advance(999);
    expect(breaker.stats().failures).toBe(1);

    clock.advance(1);
    expect(breaker.stats().failures).toBe(0);
  });

  it('never opens on a fast success, whatever the rate', () => {
    const { breaker, record } = rateBreaker({
      failureRateThreshold: 0.1,
      minimumCalls: 10,
      maxFailures: 100,
      window: { kind: 'count', size: 20 },
    });

    record('fail', 'fail', 'fail', 'fail', 'fail', 'fail', 'fail', 'fail', 'fail');
    record('ok');

    expect(breaker.state).toBe('closed');
  });

  it('clears the window when the circuit closes', () => {
    const { clock, breaker, record } = rateBreaker({
      failureRateThreshold: 0.5,
      minimumCalls: 2,
      timeout: 100,
      window: { kind: 'count', size: 10 },
    });

    record('fail', 'fail');
    clock.advance(100);
    record('ok');

    expect(breaker.state).toBe('closed');
    expect(breaker.stats()).toMatchObject({ calls: 0, failures: 0 });

    record('fail');
    expect(breaker.state).toBe('closed');
  });

  it('keeps rejections and probes out of the window', () => {
    const { clock, breaker, record } = rateBreaker({
      failureRateThreshold: 0.5,
      minimumCalls: 2,
      timeout: 100,
      maxRequests: 2,
      window: { kind: 'count', size: 10 },
    });

    record('fail', 'fail');
    expect(() => breaker.acquire()).toThrow();
    clock.advance(100);
    record('ok');

    expect(breaker.stats()).toMatchObject({ state: 'half-open', calls: 2, failures: 2 });
  });
});

describe('slow-call rule', () => {
  it('opens when the rate of slow calls reaches the threshold', () => {
    const { clock, breaker } = rateBreaker({
      slowCallThreshold: 0.5,
      slowCallDuration: 100,
      minimumCalls: 2,
      window: { kind: 'count', size: 2 },
    });

    breaker.acquire().success();

    const slow = breaker.acquire();

    clock.advance(100);
    slow.success();

    expect(breaker.state).toBe('open');
    expect(breaker.stats()).toMatchObject({ slowCalls: 1, slowCallRate: 0.5, failures: 0 });
  });

  it('counts a call as slow whatever its outcome', () => {
    const { clock, breaker } = rateBreaker({ slowCallDuration: 50, maxFailures: 10 });
    const failing = breaker.acquire();

    clock.advance(60);
    failing.failure(new Error('slow and broken'));

    expect(breaker.stats()).toMatchObject({ slowCalls: 1, failures: 1 });
  });
});
