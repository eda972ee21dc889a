import { describe, expect, it, jest } from '@jest/globals';
import {
  Breaker,
  BulkheadFullError,
  CallTimeoutError,
  CircuitOpenError,
  isBulkheadFullError,
  type CallEvent,
} from '../../lib/core/index.js';

/** A promise with its settle functions, to hold a call in flight. */
function deferred<T = string>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((onResolve, onReject) => {
    resolve = onResolve;
    reject = onReject;
  });

  return { promise, resolve, reject };
}

describe('bulkhead (maxConcurrent)', () => {
  it('rejects calls beyond maxConcurrent at once, without running them', async () => {
    const breaker = new Breaker({ name: 'search', maxConcurrent: 2 });
    const first = deferred();
    const second = deferred();
    const extra = jest.fn(() => 'never');

    const running = [breaker.call(() => first.promise), breaker.call(() => second.promise)];

    await expect(breaker.call(extra)).rejects.toThrow(BulkheadFullError);
    await expect(breaker.call(extra)).rejects.toMatchObject({
      name: 'BulkheadFullError',
      breaker: 'search',
      maxConcurrent: 2,
    });
    expect(extra).not.toHaveBeenCalled();
    expect(breaker.stats()).toMatchObject({ inFlight: 2, rejected: 2, calls: 0 });

    first.resolve('a');
    second.resolve('b');
    await expect(Promise.all(running)).resolves.toEqual(['a', 'b']);
  });

  it('frees a slot when a call succeeds, fails or throws synchronously', async () => {
    const breaker = new Breaker({ maxConcurrent: 1 });
    const held = deferred();
    const running = breaker.call(() => held.promise);

    await expect(breaker.call(() => 'x')).rejects.toThrow(BulkheadFullError);

    held.resolve('done');
    await running;
    await expect(breaker.call(() => Promise.reject(new Error('down')))).rejects.toThrow('down');
    await expect(
      breaker.call(() => {
        throw new Error('sync');
      }),
    ).rejects.toThrow('sync');
    await expect(breaker.call(() => 'admitted')).resolves.toBe('admitted');
    expect(breaker.stats().inFlight).toBe(0);
  });

  it('frees the slot of a call that outlives callTimeout at its deadline', async () => {
    jest.useFakeTimers();

    try {
      const breaker = new Breaker({ maxConcurrent: 1, callTimeout: 1_000 });
      const hung = breaker.call(() => new Promise<string>(() => undefined));

      await expect(breaker.call(() => 'x')).rejects.toThrow(BulkheadFullError);

      jest.advanceTimersByTime(1_000);

      await expect(hung).rejects.toThrow(CallTimeoutError);
      await expect(breaker.call(() => 'admitted')).resolves.toBe('admitted');
    } finally {
      jest.useRealTimers();
    }
  });

  it('never counts a bulkhead rejection as a failure nor opens the circuit', async () => {
    const breaker = new Breaker({ maxFailures: 1, maxConcurrent: 1 });
    const events: Record<string, CallEvent[]> = { failure: [], rejected: [] };
    const held = deferred();

    breaker.on('failure', (event) => events.failure.push(event));
    breaker.on('rejected', (event) => events.rejected.push(event));

    const running = breaker.call(() => held.promise);

    for (let i = 0; i < 10; i++) {
      await expect(breaker.call(() => 'x')).rejects.toThrow(BulkheadFullError);
    }

    expect(breaker.state).toBe('closed');
    expect(breaker.stats()).toMatchObject({ failures: 0, consecutiveFailures: 0, rejected: 10 });
    expect(events.failure).toHaveLength(0);
    expect(events.rejected).toHaveLength(10);
    expect(isBulkheadFullError(events.rejected[0].error)).toBe(true);

    held.resolve('ok');
    await running;
    expect(breaker.stats()).toMatchObject({ successes: 1, failures: 0 });
  });

  it('lets a disabled breaker run any number of calls', async () => {
    const breaker = new Breaker({ maxConcurrent: 1 });
    const held = deferred();

    breaker.disable();
    const running = breaker.call(() => held.promise);

    await expect(breaker.call(() => 'also')).resolves.toBe('also');

    held.resolve('first');
    await expect(running).resolves.toBe('first');
  });

  it('does not use up a half-open probe slot when it rejects a probe', async () => {
    let now = 0;
    const breaker = new Breaker({
      maxFailures: 1,
      maxConcurrent: 2,
      maxRequests: 2,
      timeout: 1_000,
      clock: () => now,
    });
    const straggler = deferred();
    const stale = breaker.call(() => straggler.promise);

    await expect(breaker.call(() => Promise.reject(new Error('down')))).rejects.toThrow('down');
    expect(breaker.state).toBe('open');

    now = 1_000;
    const probe = deferred();
    const firstProbe = breaker.call(() => probe.promise);

    await expect(breaker.call(() => 'x')).rejects.toThrow(BulkheadFullError);
    expect(breaker.state).toBe('half-open');

    straggler.resolve('late');
    await expect(stale).resolves.toBe('late');
    await expect(breaker.call(() => 'second probe')).resolves.toBe('second probe');

    probe.resolve('first probe');
    await expect(firstProbe).resolves.toBe('first probe');
    expect(breaker.state).toBe('closed');
  });
});

describe('bulkhead with acquire()', () => {
  it('throws BulkheadFullError synchronously beyond maxConcurrent permits', () => {
    const breaker = new Breaker({ name: 'stream', maxConcurrent: 2 });

    breaker.acquire();
    breaker.acquire();

    expect(() => breaker.acquire()).toThrow(BulkheadFullError);
    expect(() => breaker.acquire()).toThrow(expect.objectContaining({ breaker: 'stream' }));
    expect(breaker.stats()).toMatchObject({ inFlight: 2, rejected: 2, failures: 0 });
  });

  it.each([
    ['success()', (permit: ReturnType<Breaker['acquire']>) => permit.success()],
    ['failure()', (permit: ReturnType<Breaker['acquire']>) => permit.failure(new Error('down'))],
    ['ignore()', (permit: ReturnType<Breaker['acquire']>) => permit.ignore()],
    ['release()', (permit: ReturnType<Breaker['acquire']>) => permit.release()],
  ])('frees a slot when a permit records %s', (_outcome, settle) => {
    const breaker = new Breaker({ maxConcurrent: 1 });
    const permit = breaker.acquire();

    expect(() => breaker.acquire()).toThrow(BulkheadFullError);

    settle(permit);

    expect(() => breaker.acquire()).not.toThrow();
  });

  it('frees only one slot however often a permit is settled', () => {
    const breaker = new Breaker({ maxConcurrent: 2 });
    const permit = breaker.acquire();

    breaker.acquire();
    permit.success();
    permit.success();
    permit.failure(new Error('late'));
    permit.ignore();

    breaker.acquire();

    expect(() => breaker.acquire()).toThrow(BulkheadFullError);
    expect(breaker.stats()).toMatchObject({ inFlight: 2, successes: 1, failures: 0 });
  });

  it('reports an open circuit before a full bulkhead', () => {
    const breaker = new Breaker({ maxConcurrent: 1 });

    breaker.acquire();
    breaker.forceOpen();

    expect(() => breaker.acquire()).toThrow(CircuitOpenError);
  });
});
