import 'reflect-metadata';
import { Injectable, Scope, type Type } from '@nestjs/common';
import { jest } from '@jest/globals';
import { Test, type TestingModule } from '@nestjs/testing';
import { lastValueFrom, Observable, of, throwError, toArray } from 'rxjs';
import { isCircuitOpenError, type RetryOptions } from '../../lib/core/index.js';
import { CircuitBreaker } from '../../lib/nest/circuit-breaker.decorator.js';
import { CircuitBreakerModule } from '../../lib/nest/circuit-breaker.module.js';
import { CircuitBreakerRegistry } from '../../lib/nest/circuit-breaker.registry.js';
import { Retry } from '../../lib/nest/retry.decorator.js';

let now = 0;
const clock = () => now;

/** Waits of 100, 200, 400 ms... between attempts, without randomness. */
const backoff = { initial: 100, jitter: 'none' } as const;

@Injectable()
class PricingService {
  /** How many calls fail before the service answers. */
  failures = 0;
  calls = 0;
  fallbacks: unknown[] = [];

  @Retry({ attempts: 3, backoff })
  @CircuitBreaker('retry-above')
  async retryAbove(): Promise<string> {
    return this.answer();
  }

  @CircuitBreaker('retry-below')
  @Retry({ attempts: 3, backoff })
  async retryBelow(): Promise<string> {
    return this.answer();
  }

  @Retry({ attempts: 5, backoff })
  @CircuitBreaker('fragile', { maxFailures: 2 })
  async fragile(): Promise<string> {
    return this.answer();
  }

  @CircuitBreaker('fragile-below', { maxFailures: 2 })
  @Retry({ attempts: 5, backoff })
  async fragileBelow(): Promise<string> {
    return this.answer();
  }

  @Retry({ attempts: 5, backoff })
  @CircuitBreaker('guarded', { maxFailures: 2, fallback: 'cached' })
  async guarded(): Promise<string> {
    return this.answer();
  }

  @Retry({ attempts: 3, backoff })
  @CircuitBreaker('covered', { fallback: 'cached', fallbackOn: 'failure' })
  async covered(): Promise<string> {
    return this.answer();
  }

  @Retry({ attempts: 3, backoff })
  async retryOnly(): Promise<string> {
    return this.answer();
  }

  @Retry({ attempts: 3, backoff })
  @CircuitBreaker('stream', { fallback: 'cachedStream', fallbackOn: 'failure' })
  stream(): Observable<string> {
    this.calls++;

    return this.calls <= this.failures
      ? throwError(() => new Error('stream is down'))
      : of('a', 'b');
  }

  @Retry({ attempts: 3, backoff })
  streamOnly(): Observable<string> {
    this.calls++;

    return this.calls <= this.failures ? throwError(() => new Error('stream is down')) : of('a');
  }

  cached(error: unknown): string {
    this.fallbacks.push(error);

    return 'cached';
  }

  cachedStream(error: unknown): Observable<string> {
    this.fallbacks.push(error);

    return of('cached');
  }

  private answer(): string {
    this.calls++;

    if (this.calls <= this.failures) throw new Error(`attempt ${this.calls} failed`);

    return `answered on attempt ${this.calls}`;
  }
}

/** Runs the waits between attempts on the fake timers and returns how the call ended. */
async function settle<T>(call: Promise<T>): Promise<PromiseSettledResult<T>> {
  const settled = Promise.allSettled([call]);

  await jest.advanceTimersByTimeAsync(10_000);

  return (await settled)[0];
}

describe('@Retry()', () => {
  let moduleRef: TestingModule;
  let pricing: PricingService;
  let registry: CircuitBreakerRegistry;

  beforeEach(async () => {
    now = 0;
    moduleRef = await Test.createTestingModule({
      imports: [
        CircuitBreakerModule.forRoot({
          defaults: { maxFailures: 5, timeout: 5_000, clock },
          logging: false,
        }),
      ],
      providers: [PricingService],
    }).compile();
    await moduleRef.init();
    pricing = moduleRef.get(PricingService);
    registry = moduleRef.get(CircuitBreakerRegistry);
    jest.useFakeTimers();
  });

  afterEach(async () => {
    jest.useRealTimers();
    await moduleRef.close();
  });

  // Per order: a method and its breaker, then one whose breaker opens after two failures.
  describe.each([
    ['written above @CircuitBreaker()', 'retryAbove', 'retry-above', 'fragile', 'fragile'],
    [
      'written below @CircuitBreaker()',
      'retryBelow',
      'retry-below',
      'fragileBelow',
      'fragile-below',
    ],
  ] as const)('%s', (_order, method, breakerName, fragileMethod, fragileName) => {
    it('retries outside the breaker, which sees one outcome per attempt', async () => {
      pricing.failures = 2;

      const outcome = await settle(pricing[method]());

      expect(outcome).toEqual({ status: 'fulfilled', value: 'answered on attempt 3' });
      expect(pricing.calls).toBe(3);
      expect(registry.get(breakerName).stats()).toMatchObject({
        calls: 3,
        failures: 2,
        successes: 1,
        inFlight: 0,
      });
    });

    it('rejects with the last error once the attempts are spent', async () => {
      pricing.failures = 10;

      const outcome = await settle(pricing[method]());

      expect(outcome).toMatchObject({
        status: 'rejected',
        reason: { message: 'attempt 3 failed' },
      });
      expect(registry.get(breakerName).stats()).toMatchObject({ calls: 3, failures: 3 });
    });

    it('ends the retries when the circuit opens, passing the CircuitOpenError on', async () => {
      pricing.failures = 10;

      const outcome = await settle(pricing[fragileMethod]());

      expect(outcome.status).toBe('rejected');
      expect(isCircuitOpenError((outcome as PromiseRejectedResult).reason)).toBe(true);
      expect(pricing.calls).toBe(2);
      expect(registry.get(fragileName).stats()).toMatchObject({ failures: 2, rejected: 1 });
    });
  });

  it('waits between attempts as the policy says', async () => {
    pricing.failures = 2;

    const call = pricing.retryAbove();

    await jest.advanceTimersByTimeAsync(99);
    expect(pricing.calls).toBe(1);

    await jest.advanceTimersByTimeAsync(1);
    expect(pricing.calls).toBe(2);

    await jest.advanceTimersByTimeAsync(199);
    expect(pricing.calls).toBe(2);

    await jest.advanceTimersByTimeAsync(1);
    await expect(call).resolves.toBe('answered on attempt 3');
  });

  it('does not call the method at all while the circuit is open', async () => {
    registry.get('fragile').forceOpen();

    const outcome = await settle(pricing.fragile());

    expect(isCircuitOpenError((outcome as PromiseRejectedResult).reason)).toBe(true);
    expect(pricing.calls).toBe(0);
    expect(registry.get('fragile').stats().rejected).toBe(1);
  });

  it('hands the CircuitOpenError that ends the retries to a rejection fallback', async () => {
    pricing.failures = 10;

    const outcome = await settle(pricing.guarded());

    expect(outcome).toEqual({ status: 'fulfilled', value: 'cached' });
    expect(pricing.calls).toBe(2);
    expect(pricing.fallbacks).toHaveLength(1);
    expect(isCircuitOpenError(pricing.fallbacks[0])).toBe(true);
  });

  it('runs a failure fallback once, after every attempt has failed', async () => {
    pricing.failures = 10;

    const call = pricing.covered();

    await jest.advanceTimersByTimeAsync(100);
    expect(pricing.fallbacks).toHaveLength(0);

    const outcome = await settle(call);

    expect(outcome).toEqual({ status: 'fulfilled', value: 'cached' });
    expect(pricing.calls).toBe(3);
    expect(pricing.fallbacks).toEqual([new Error('attempt 3 failed')]);
  });

  it('leaves the fallback out when an attempt succeeds', async () => {
    pricing.failures = 2;

    const outcome = await settle(pricing.covered());

    expect(outcome).toEqual({ status: 'fulfilled', value: 'answered on attempt 3' });
    expect(pricing.fallbacks).toHaveLength(0);
  });

  it('retries a method without @CircuitBreaker() and creates no breaker for it', async () => {
    pricing.failures = 1;

    const outcome = await settle(pricing.retryOnly());

    expect(outcome).toEqual({ status: 'fulfilled', value: 'answered on attempt 2' });
    expect(pricing.calls).toBe(2);
    expect(registry.has('PricingService.retryOnly')).toBe(false);
  });

  describe('on a method that returns an Observable', () => {
    it('retries by subscribing again, each attempt judged by the breaker', async () => {
      pricing.failures = 2;

      const values = pricing.stream().pipe(toArray());

      expect(pricing.calls).toBe(0);

      const outcome = await settle(lastValueFrom(values));

      expect(outcome).toEqual({ status: 'fulfilled', value: ['a', 'b'] });
      expect(pricing.calls).toBe(3);
      expect(registry.get('stream').stats()).toMatchObject({
        calls: 3,
        failures: 2,
        successes: 1,
      });
    });

    it('answers with the fallback once, after the last attempt', async () => {
      pricing.failures = 10;

      const outcome = await settle(lastValueFrom(pricing.stream().pipe(toArray())));

      expect(outcome).toEqual({ status: 'fulfilled', value: ['cached'] });
      expect(pricing.calls).toBe(3);
      expect(pricing.fallbacks).toHaveLength(1);
    });

    it('retries without a breaker too', async () => {
      pricing.failures = 2;

      const outcome = await settle(lastValueFrom(pricing.streamOnly()));

      expect(outcome).toEqual({ status: 'fulfilled', value: 'a' });
      expect(pricing.calls).toBe(3);
    });
  });
});

/** Starts a module with the given providers and closes it again. */
async function bootstrap(providers: Type[]): Promise<void> {
  const moduleRef = await Test.createTestingModule({
    imports: [CircuitBreakerModule.forRoot({ logging: false })],
    providers,
  }).compile();

  try {
    await moduleRef.init();
  } finally {
    await moduleRef.close();
  }
}

/** A provider whose only method is retried with `options`. */
function serviceRetriedWith(options: unknown): Type {
  @Injectable()
  class BadRetryService {
    @Retry(options as RetryOptions)
    async quote(): Promise<number> {
      return 1;
    }
  }

  return BadRetryService;
}

@Injectable()
class SyncService {
  @Retry()
  @CircuitBreaker()
  count(): number {
    return 1;
  }
}

@Injectable()
class UndeclaredService {
  @Retry()
  quote() {
    return Promise.resolve(1);
  }
}

@Injectable({ scope: Scope.TRANSIENT })
class TransientRetryService {
  @Retry()
  async quote(): Promise<number> {
    return 1;
  }
}

describe('@Retry() at bootstrap', () => {
  it.each([
    ['no attempt at all', { attempts: 0 }, '"attempts": received 0; expected an integer >= 1'],
    ['a negative first wait', { backoff: { initial: -1 } }, '"backoff.initial": received -1'],
    ['a cap below the first wait', { backoff: { initial: 500, max: 100 } }, '"backoff.max"'],
    ['an unknown option', { tries: 3 }, '"tries": received 3; unknown option'],
    ['options that are no object', 5, '"options": received 5; expected an object of options'],
  ])('stops on %s, naming class, method and option', async (_problem, options, text) => {
    const failure = bootstrap([serviceRetriedWith(options)]);

    await expect(failure).rejects.toThrow('@Retry() on BadRetryService.quote() has an invalid');
    await expect(failure).rejects.toThrow(text);
  });

  it('stops on a synchronous method, since retrying forces a promise', async () => {
    await expect(bootstrap([SyncService])).rejects.toThrow(
      '@Retry() cannot retry SyncService.count(): waiting between attempts turns the result',
    );
  });

  it('stops on a method whose return type is not declared', async () => {
    await expect(bootstrap([UndeclaredService])).rejects.toThrow(
      '@Retry() cannot retry UndeclaredService.quote()',
    );
  });

  it('refuses a transient provider, naming @Retry()', async () => {
    await expect(bootstrap([TransientRetryService])).rejects.toThrow(
      '@Retry() cannot protect TransientRetryService.quote()',
    );
  });
});
