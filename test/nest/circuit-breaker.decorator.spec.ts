import 'reflect-metadata';
import { Injectable } from '@nestjs/common';
import { jest } from '@jest/globals';
import { Test, type TestingModule } from '@nestjs/testing';
import { defer, lastValueFrom, Observable, of, throwError } from 'rxjs';
import { isCircuitOpenError } from '../../lib/core/index.js';
import { CircuitBreaker } from '../../lib/nest/circuit-breaker.decorator.js';
import { CircuitBreakerModule } from '../../lib/nest/circuit-breaker.module.js';
import { CircuitBreakerRegistry } from '../../lib/nest/circuit-breaker.registry.js';

let now = 0;
const clock = () => now;

@Injectable()
class InventoryService {
  healthy = false;
  calls = 0;

  @CircuitBreaker()
  async reserve(sku: string): Promise<string> {
    this.calls++;

    if (!this.healthy) throw new Error('inventory is down');

    return `reserved ${sku}`;
  }

  @CircuitBreaker('inventory.count')
  count(): number {
    this.calls++;

    if (!this.healthy) throw new Error('inventory is down');

    return 42;
  }

  @CircuitBreaker('inventory.stream')
  stream(): Observable<number> {
    this.calls++;

    return this.healthy ? of(1, 2, 3) : throwError(() => new Error('stream is down'));
  }

  @CircuitBreaker('inventory.never')
  never(): Observable<number> {
    return new Observable<number>(() => undefined);
  }

  released = false;

  @CircuitBreaker('inventory.slow', { callTimeout: 100 })
  slow(): Observable<number> {
    return new Observable<number>(() => () => (this.released = true));
  }

  @CircuitBreaker('inventory.untyped-stream')
  untypedStream() {
    return defer(() => {
      this.calls++;

      return this.healthy ? of(1, 2, 3) : throwError(() => new Error('stream is down'));
    });
  }

  @CircuitBreaker('inventory.promise-like')
  promiseLike() {
    this.calls++;

    return this.healthy ? Promise.resolve('ok') : Promise.reject(new Error('down'));
  }
}

@Injectable()
class ShippingService {
  calls = 0;

  @CircuitBreaker()
  async ship(): Promise<string> {
    return 'shipped';
  }

  @CircuitBreaker({ maxFailures: 1 })
  async track(): Promise<string> {
    this.calls++;
    throw new Error('tracking is down');
  }
}

describe('@CircuitBreaker()', () => {
  let moduleRef: TestingModule;
  let inventory: InventoryService;
  let registry: CircuitBreakerRegistry;

  beforeEach(async () => {
    now = 0;
    moduleRef = await Test.createTestingModule({
      imports: [
        CircuitBreakerModule.forRoot({
          defaults: { maxFailures: 2, timeout: 5_000, clock },
          logging: false,
        }),
      ],
      providers: [InventoryService, ShippingService],
    }).compile();
    await moduleRef.init();
    inventory = moduleRef.get(InventoryService);
    registry = moduleRef.get(CircuitBreakerRegistry);
  });

  afterEach(() => moduleRef.close());

  describe('on an async method', () => {
    it('names the breaker ClassName.methodName and creates it at bootstrap', () => {
      expect(registry.has('InventoryService.reserve')).toBe(true);
      expect([...registry].map((breaker) => breaker.name)).toContain('ShippingService.ship');
    });

    it('returns the result and counts a success', async () => {
      inventory.healthy = true;

      await expect(inventory.reserve('a')).resolves.toBe('reserved a');
      expect(registry.get('InventoryService.reserve').stats().successes).toBe(1);
    });

    it('opens after maxFailures and then rejects with a promise without calling the method', async () => {
      await expect(inventory.reserve('a')).rejects.toThrow('inventory is down');
      await expect(inventory.reserve('a')).rejects.toThrow('inventory is down');

      const rejected = inventory.reserve('a');

      expect(rejected).toBeInstanceOf(Promise);
      await expect(rejected).rejects.toMatchObject({ name: 'CircuitOpenError' });
      expect(inventory.calls).toBe(2);
      expect(registry.get('InventoryService.reserve').state).toBe('open');
    });

    it('admits a probe once the open period has passed on the injected clock', async () => {
      await expect(inventory.reserve('a')).rejects.toThrow();
      await expect(inventory.reserve('a')).rejects.toThrow();
      now += 5_000;
      inventory.healthy = true;

      await expect(inventory.reserve('b')).resolves.toBe('reserved b');
      expect(registry.get('InventoryService.reserve').state).toBe('closed');
    });

    it('keeps breakers with different names apart', async () => {
      await expect(inventory.reserve('a')).rejects.toThrow();
      await expect(inventory.reserve('a')).rejects.toThrow();

      await expect(moduleRef.get(ShippingService).ship()).resolves.toBe('shipped');
      expect(registry.get('ShippingService.ship').state).toBe('closed');
    });
  });

  it('takes options alone, keeping the default name', async () => {
    const shipping = moduleRef.get(ShippingService);

    await expect(shipping.track()).rejects.toThrow('tracking is down');
    await expect(shipping.track()).rejects.toMatchObject({ name: 'CircuitOpenError' });
    expect(registry.get('ShippingService.track').state).toBe('open');
    expect(shipping.calls).toBe(1);
  });

  describe('on a sync method', () => {
    it('stays sync: returns the value itself', () => {
      inventory.healthy = true;

      expect(inventory.count()).toBe(42);
      expect(registry.get('inventory.count').stats().successes).toBe(1);
    });

    it('throws the error synchronously and counts it', () => {
      expect(() => inventory.count()).toThrow('inventory is down');
      expect(registry.get('inventory.count').stats().failures).toBe(1);
    });

    it('throws CircuitOpenError synchronously once open', () => {
      expect(() => inventory.count()).toThrow();
      expect(() => inventory.count()).toThrow();

      let thrown: unknown;

      try {
        inventory.count();
      } catch (error) {
        thrown = error;
      }

      expect(isCircuitOpenError(thrown)).toBe(true);
      expect(inventory.calls).toBe(2);
    });
  });

  describe('on a method returning a promise without declaring it', () => {
    it('tracks the promise it returns, and rejects with a promise once open', async () => {
      await expect(inventory.promiseLike()).rejects.toThrow('down');
      await expect(inventory.promiseLike()).rejects.toThrow('down');

      const rejected = inventory.promiseLike();

      expect(rejected).toBeInstanceOf(Promise);
      await expect(rejected).rejects.toThrow(/is open/);
      expect(registry.get('inventory.promise-like').stats()).toMatchObject({
        failures: 2,
        rejected: 1,
      });
    });
  });

  describe('on a method returning an Observable without declaring it', () => {
    it('takes the permit at subscription, and errors the subscriber once open', async () => {
      const breaker = registry.get('inventory.untyped-stream');

      await expect(lastValueFrom(inventory.untypedStream())).rejects.toThrow('stream is down');

      const notSubscribed = inventory.untypedStream();

      expect(breaker.stats()).toMatchObject({ failures: 1, inFlight: 0 });
      await expect(lastValueFrom(notSubscribed)).rejects.toThrow('stream is down');

      const rejected = inventory.untypedStream();

      expect(rejected).toBeInstanceOf(Observable);
      await expect(lastValueFrom(rejected)).rejects.toMatchObject({ name: 'CircuitOpenError' });
      // The first call took a permit before its result showed an Observable, and gave it back
      // without counting it: each call counts once, at its subscription.
      expect(breaker.stats()).toMatchObject({ failures: 2, rejected: 1, ignored: 0 });
    });
  });

  describe('on an Observable method', () => {
    it('takes the permit at subscription, not at the call', () => {
      inventory.healthy = true;
      inventory.stream();

      expect(inventory.calls).toBe(0);
      expect(registry.get('inventory.stream').stats().calls).toBe(0);
    });

    it('counts completion as a success', async () => {
      inventory.healthy = true;

      await expect(lastValueFrom(inventory.stream())).resolves.toBe(3);
      expect(registry.get('inventory.stream').stats().successes).toBe(1);
    });

    it('counts an error as a failure and errors the subscriber once open', async () => {
      await expect(lastValueFrom(inventory.stream())).rejects.toThrow('stream is down');
      await expect(lastValueFrom(inventory.stream())).rejects.toThrow('stream is down');

      const rejected = inventory.stream();

      expect(rejected).toBeInstanceOf(Observable);
      await expect(lastValueFrom(rejected)).rejects.toMatchObject({ name: 'CircuitOpenError' });
      expect(inventory.calls).toBe(2);
    });

    it('errors with CallTimeoutError at the callTimeout deadline and cancels the source', async () => {
      jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });

      try {
        const outcome = lastValueFrom(inventory.slow()).catch((error: unknown) => error);

        jest.advanceTimersByTime(100);

        expect(await outcome).toMatchObject({ name: 'CallTimeoutError', timeoutMs: 100 });
        expect(inventory.released).toBe(true);
        expect(registry.get('inventory.slow').stats()).toMatchObject({ failures: 1, inFlight: 0 });
      } finally {
        jest.useRealTimers();
      }
    });

    it('ignores an early unsubscribe', () => {
      const breaker = registry.get('inventory.never');

      const subscription = inventory.never().subscribe();

      expect(breaker.stats().inFlight).toBe(1);
      subscription.unsubscribe();
      expect(breaker.stats()).toMatchObject({ ignored: 1, successes: 0, failures: 0, inFlight: 0 });
    });
  });
});
