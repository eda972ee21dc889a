import 'reflect-metadata';
import { Injectable } from '@nestjs/common';
import { jest } from '@jest/globals';
import { Test, type TestingModule } from '@nestjs/testing';
import { firstValueFrom, Observable } from 'rxjs';
import { CallTimeoutError, isCircuitOpenError } from '../../lib/core/index.js';
import { CircuitBreaker } from '../../lib/nest/circuit-breaker.decorator.js';
import { CircuitBreakerModule } from '../../lib/nest/circuit-breaker.module.js';
import { CircuitBreakerRegistry } from '../../lib/nest/circuit-breaker.registry.js';
import { currentCallSignal } from '../../lib/nest/current-call-signal.js';
import { Retry } from '../../lib/nest/retry.decorator.js';

/** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
function work(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);

    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(signal.reason);
      },
      { once: true },
    );
  });
}

@Injectable()
class LookupService {
  /** The signal each call read before its first await. */
  readonly signalsAtStart: AbortSignal[] = [];
  /** The signal each call read after awaiting. */
  readonly signals: AbortSignal[] = [];
  /** What stopped the work of each call that did not finish. */
  readonly stoppedBy: unknown[] = [];
  /** Durations of the work of the attempts of `retried()`, in order. */
  attemptDurations: number[] = [];

  @CircuitBreaker('timed', { callTimeout: 100 })
  async lookup(ms: number): Promise<string> {
    this.signalsAtStart.push(currentCallSignal());
    await Promise.resolve();
    await Promise.resolve();

    return this.doWork(ms);
  }

  @CircuitBreaker('untimed')
  async untimed(): Promise<AbortSignal> {
    await Promise.resolve();

    return currentCallSignal();
  }

  @CircuitBreaker('outer', { callTimeout: 100 })
  async outer(): Promise<[AbortSignal, AbortSignal]> {
    return [currentCallSignal(), await this.untimed()];
  }

  /** Declares no promise, so the breaker learns its shape only from what it returns. */
  @CircuitBreaker('timed-unknown', { callTimeout: 100 })
  undeclared(ms: number): unknown {
    return this.doWork(ms);
  }

  @Retry({ attempts: 3, backoff: { initial: 10, jitter: 'none' } })
  @CircuitBreaker('retried', { callTimeout: 100 })
  async retried(): Promise<string> {
    return this.doWork(this.attemptDurations.shift() ?? 0);
  }

  @CircuitBreaker('streamed', { callTimeout: 100 })
  stream(): Observable<string> {
    this.signalsAtStart.push(currentCallSignal());

    return new Observable<string>((subscriber) => {
      const signal = currentCallSignal();

      this.signals.push(signal);
      signal.addEventListener('abort', () => this.stoppedBy.push(signal.reason));
      const timer = setTimeout(() => {
        subscriber.next('streamed');
        subscriber.complete();
      }, 1_000);

      return () => clearTimeout(timer);
    });
  }

  private async doWork(ms: number): Promise<string> {
    const signal = currentCallSignal();

    this.signals.push(signal);

    try {
      await work(ms, signal);
    } catch (error) {
      this.stoppedBy.push(error);

      throw error;
    }

    return 'done';
  }
}

/** Returns how `promise` ended, without leaving a rejection unhandled while time advances. */
function outcomeOf<T>(promise: Promise<T>): Promise<PromiseSettledResult<T>> {
  return Promise.allSettled([promise]).then(([outcome]) => outcome);
}

describe('currentCallSignal()', () => {
  let moduleRef: TestingModule;
  let lookups: LookupService;
  let registry: CircuitBreakerRegistry;

  beforeEach(async () => {
    moduleRef = await Test.createTestingModule({
      imports: [CircuitBreakerModule.forRoot({ logging: false })],
      providers: [LookupService],
    }).compile();
    await moduleRef.init();
    lookups = moduleRef.get(LookupService);
    registry = moduleRef.get(CircuitBreakerRegistry);
    jest.useFakeTimers();
  });

  afterEach(async () => {
    jest.useRealTimers();
    await moduleRef.close();
  });

  describe('with callTimeout', () => {
    it('aborts at the deadline with the CallTimeoutError the caller gets', async () => {
      const outcome = outcomeOf(lookups.lookup(1_000));

      await jest.advanceTimersByTimeAsync(99);
      const [signal] = lookups.signals;
      expect(signal.aborted).toBe(false);

      await jest.advanceTimersByTimeAsync(1);
      const settled = await outcome;

      expect(signal.aborted).toBe(true);
      expect(settled.status).toBe('rejected');
      expect((settled as PromiseRejectedResult).reason).toBeInstanceOf(CallTimeoutError);
      expect(signal.reason).toBe((settled as PromiseRejectedResult).reason);
      expect(lookups.stoppedBy).toEqual([signal.reason]);
      expect(registry.get('timed').stats()).toMatchObject({ failures: 1, inFlight: 0 });
    });

    it('is the same signal before and after the method awaits', async () => {
      const outcome = outcomeOf(lookups.lookup(10));

      await jest.advanceTimersByTimeAsync(10);

      expect(await outcome).toEqual({ status: 'fulfilled', value: 'done' });
      expect(lookups.signalsAtStart[0]).toBe(lookups.signals[0]);
    });

    it('never aborts once the call has ended in time', async () => {
      const outcome = outcomeOf(lookups.lookup(10));

      await jest.advanceTimersByTimeAsync(10);
      await outcome;
      await jest.advanceTimersByTimeAsync(60_000);

      expect(lookups.signals[0].aborted).toBe(false);
    });

    it('gives concurrent calls signals of their own, and aborts only the late one', async () => {
      const late = outcomeOf(lookups.lookup(1_000));
      await jest.advanceTimersByTimeAsync(60);
      const timely = outcomeOf(lookups.lookup(50));

      await jest.advanceTimersByTimeAsync(40);
      const [lateSignal, timelySignal] = lookups.signals;

      expect(lateSignal).not.toBe(timelySignal);
      expect(lateSignal.aborted).toBe(true);
      expect(timelySignal.aborted).toBe(false);
      expect((await late).status).toBe('rejected');

      await jest.advanceTimersByTimeAsync(1_000);

      expect(await timely).toEqual({ status: 'fulfilled', value: 'done' });
      expect(timelySignal.aborted).toBe(false);
    });

    it('reaches a method that declares no promise but returns one', async () => {
      const outcome = outcomeOf(Promise.resolve(lookups.undeclared(1_000)));

      await jest.advanceTimersByTimeAsync(100);
      const settled = await outcome;

      expect(lookups.signals[0].reason).toBeInstanceOf(CallTimeoutError);
      expect((settled as PromiseRejectedResult).reason).toBe(lookups.signals[0].reason);
    });

    it('still rejects at once without calling the method while the circuit is open', async () => {
      registry.get('timed').forceOpen();

      const settled = await outcomeOf(lookups.lookup(10));

      expect(isCircuitOpenError((settled as PromiseRejectedResult).reason)).toBe(true);
      expect(lookups.signals).toEqual([]);
    });

    it('gives each attempt under @Retry() its own signal', async () => {
      lookups.attemptDurations = [1_000, 1_000, 10];

      const outcome = outcomeOf(lookups.retried());
      await jest.advanceTimersByTimeAsync(1_000);

      expect(await outcome).toEqual({ status: 'fulfilled', value: 'done' });
      expect(new Set(lookups.signals).size).toBe(3);
      expect(lookups.signals.map((signal) => signal.aborted)).toEqual([true, true, false]);
      expect(lookups.stoppedBy).toEqual([
        expect.any(CallTimeoutError),
        expect.any(CallTimeoutError),
      ]);
      expect(registry.get('retried').stats()).toMatchObject({ failures: 2, successes: 1 });
    });

    it('is the signal of the subscription for a method that returns an Observable', async () => {
      const first = outcomeOf(firstValueFrom(lookups.stream()));
      const second = outcomeOf(firstValueFrom(lookups.stream()));

      await jest.advanceTimersByTimeAsync(100);
      const settled = await first;

      expect(lookups.signals).toHaveLength(2);
      expect(lookups.signals[0]).not.toBe(lookups.signals[1]);
      expect(lookups.signalsAtStart[0]).toBe(lookups.signals[0]);
      expect(lookups.signalsAtStart[1]).toBe(lookups.signals[1]);
      expect(lookups.stoppedBy).toEqual([
        expect.any(CallTimeoutError),
        expect.any(CallTimeoutError),
      ]);
      expect((settled as PromiseRejectedResult).reason).toBe(lookups.stoppedBy[0]);
      expect((await second).status).toBe('rejected');
    });

    it('reaches a method without callTimeout that a method with one calls', async () => {
      const outcome = outcomeOf(lookups.outer());

      await jest.advanceTimersByTimeAsync(0);
      const settled = await outcome;
      const [outerSignal, innerSignal] = (settled as PromiseFulfilledResult<AbortSignal[]>).value;

      expect(innerSignal).toBe(outerSignal);
    });
  });

  describe('without a deadline', () => {
    it('never aborts outside a protected call', async () => {
      const signal = currentCallSignal();

      await jest.advanceTimersByTimeAsync(60_000);

      expect(signal.aborted).toBe(false);
    });

    it('never aborts inside a call of a breaker without callTimeout', async () => {
      const signal = await lookups.untimed();

      await jest.advanceTimersByTimeAsync(60_000);

      expect(signal.aborted).toBe(false);
      expect(signal).toBe(currentCallSignal());
    });
  });
});
