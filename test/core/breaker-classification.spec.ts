import { Breaker, CallTimeoutError } from '../../lib/core/index.js';
import { StatusError } from './test-clock.js';

function outcomeOf(error: unknown, options: ConstructorParameters<typeof Breaker>[0] = {}) {
  const breaker = new Breaker(options);

  breaker.acquire().failure(error);

  const { successes, failures, ignored } = breaker.stats();

  return successes ? 'success' : failures ? 'failure' : ignored ? 'ignored' : 'none';
}

describe('default classification', () => {
  it.each([
    [new StatusError(400), 'ignored'],
    [new StatusError(404), 'ignored'],
    [new StatusError(408), 'failure'],
    [new StatusError(429), 'failure'],
    [new StatusError(500), 'failure'],
    [new StatusError(503), 'failure'],
    [Object.assign(new Error('axios'), { status: 401 }), 'ignored'],
    [Object.assign(new Error('axios'), { status: 502 }), 'failure'],
    [Object.assign(new Error('aborted by the caller'), { name: 'AbortError' }), 'ignored'],
    [new Error('plain'), 'failure'],
    ['a string', 'failure'],
    [undefined, 'failure'],
  ])('counts %p as %s', (error, expected) => {
    expect(outcomeOf(error)).toBe(expected);
  });
});

describe('an error whose status cannot be read', () => {
  const unreadable = {
    getStatus(): number {
      throw new Error('status getter bug');
    },
  };

  it('counts as a failure', () => {
    expect(outcomeOf(unreadable)).toBe('failure');
  });

  it('reaches the caller unchanged, and the call still ends', async () => {
    const breaker = new Breaker({ maxConcurrent: 1 });

    await expect(breaker.call(() => Promise.reject(unreadable))).rejects.toBe(unreadable);
    await expect(
      breaker.call(() => {
        throw unreadable;
      }),
    ).rejects.toBe(unreadable);
    expect(breaker.stats()).toMatchObject({ failures: 2, inFlight: 0 });
  });
});

describe('isFailure', () => {
  it('replaces the default rule with its verdict', () => {
    const isFailure = (error: unknown) =>
      error === 'bad' ? true : error === 'skip' ? ('ignore' as const) : false;

    expect(outcomeOf('bad', { isFailure })).toBe('failure');
    expect(outcomeOf('skip', { isFailure })).toBe('ignored');
    expect(outcomeOf(new StatusError(500), { isFailure })).toBe('success');
  });

  it('counts the call as a failure when the classifier throws', () => {
    const isFailure = () => {
      throw new Error('classifier bug');
    };

    expect(outcomeOf(new Error('x'), { isFailure })).toBe('failure');
  });

  it('cannot make a CallTimeoutError anything but a failure', () => {
    expect(outcomeOf(new CallTimeoutError('b', 10), { isFailure: () => false })).toBe('failure');
  });

  it('still passes the caller the original error', async () => {
    const error = new Error('original');
    const breaker = new Breaker({ isFailure: () => 'ignore' });

    await expect(breaker.call(() => Promise.reject(error))).rejects.toBe(error);
  });
});

describe('isResultFailure', () => {
  it('counts a returned value as a failure and still returns it', async () => {
    const breaker = new Breaker({
      maxFailures: 1,
      isResultFailure: (result) => (result as { status: number }).status >= 500,
    });

    await expect(breaker.call(() => ({ status: 503 }))).resolves.toEqual({ status: 503 });
    expect(breaker.state).toBe('open');
  });

  it('counts the call as a failure when the predicate throws', async () => {
    const breaker = new Breaker({
      isResultFailure: () => {
        throw new Error('predicate bug');
      },
    });

    await expect(breaker.call(() => Promise.resolve('value'))).resolves.toBe('value');
    expect(breaker.stats().failures).toBe(1);
  });
});
