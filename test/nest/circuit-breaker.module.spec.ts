import 'reflect-metadata';
import { Injectable, Logger, Module } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { jest } from '@jest/globals';
import type { Breaker } from '../../lib/core/index.js';
import type {
  CircuitBreakerModuleOptions,
  CircuitBreakerModuleOptionsFactory,
} from '../../lib/nest/circuit-breaker-module-options.interface.js';
import { CircuitBreaker } from '../../lib/nest/circuit-breaker.decorator.js';
import { CircuitBreakerModule } from '../../lib/nest/circuit-breaker.module.js';
import { CircuitBreakerRegistry } from '../../lib/nest/circuit-breaker.registry.js';
import {
  getCircuitBreakerToken,
  InjectCircuitBreaker,
} from '../../lib/nest/inject-circuit-breaker.decorator.js';

const fail = () => {
  throw new Error('down');
};

/** Trips `breaker` with `count` failed calls. */
async function failTimes(breaker: Breaker, count: number): Promise<void> {
  for (let index = 0; index < count; index++) {
    await breaker.call(fail).catch(() => undefined);
  }
}

@Injectable()
class PaymentsClient {
  constructor(
    @InjectCircuitBreaker('payments') readonly payments: Breaker,
    @InjectCircuitBreaker('unconfigured') readonly unconfigured: Breaker,
  ) {}
}

@Injectable()
class LedgerService {
  constructor(@InjectCircuitBreaker('ledger') readonly ledger: Breaker) {}

  @CircuitBreaker('ledger', { maxFailures: 1 })
  async post(): Promise<void> {
    throw new Error('ledger is down');
  }
}

@Injectable()
class SettingsService {
  readonly breakerDefaults = { maxFailures: 3 };
}

@Module({ providers: [SettingsService], exports: [SettingsService] })
class SettingsModule {}

@Injectable()
class OptionsFactory implements CircuitBreakerModuleOptionsFactory {
  create(): CircuitBreakerModuleOptions {
    return { defaults: { maxFailures: 4 }, logging: false };
  }
}

@Injectable()
class FeatureService {
  constructor(readonly registry: CircuitBreakerRegistry) {}
}

@Module({ providers: [FeatureService] })
class FeatureModule {}

async function compile(...imports: unknown[]): Promise<TestingModule> {
  const moduleRef = await Test.createTestingModule({
    imports: imports as never[],
  }).compile();

  await moduleRef.init();

  return moduleRef;
}

describe('CircuitBreakerModule', () => {
  let moduleRef: TestingModule | undefined;

  afterEach(async () => {
    await moduleRef?.close();
    moduleRef = undefined;
    jest.restoreAllMocks();
  });

  describe('forRoot()', () => {
    it('builds the registry from defaults and named breakers', async () => {
      moduleRef = await compile(
        CircuitBreakerModule.forRoot({
          defaults: { maxFailures: 3 },
          breakers: { payments: { maxFailures: 1 } },
          logging: false,
        }),
      );
      const registry = moduleRef.get(CircuitBreakerRegistry);

      await failTimes(registry.get('payments'), 1);
      await failTimes(registry.getOrCreate('search'), 2);

      expect(registry.get('payments').state).toBe('open');
      expect(registry.get('search').state).toBe('closed');
    });

    it('creates the configured breakers when the module starts, before any use', async () => {
      moduleRef = await compile(
        CircuitBreakerModule.forRoot({
          breakers: { payments: {}, search: {} },
          logging: false,
        }),
      );

      const names = [...moduleRef.get(CircuitBreakerRegistry)].map((breaker) => breaker.name);

      expect(names).toEqual(expect.arrayContaining(['payments', 'search']));
    });

    it('works without options, with the engine defaults', async () => {
      moduleRef = await compile(CircuitBreakerModule.forRoot());
      const breaker = moduleRef.get(CircuitBreakerRegistry).getOrCreate('search');

      await failTimes(breaker, 4);
      expect(breaker.state).toBe('closed');
      await failTimes(breaker, 1);
      expect(breaker.state).toBe('open');
    });

    it('makes the registry visible to every module with isGlobal', async () => {
      moduleRef = await compile(
        CircuitBreakerModule.forRoot({ isGlobal: true, logging: false }),
        FeatureModule,
      );

      expect(moduleRef.get(FeatureService).registry).toBe(moduleRef.get(CircuitBreakerRegistry));
    });

    it('keeps the registry private to importers without isGlobal', async () => {
      await expect(
        compile(CircuitBreakerModule.forRoot({ logging: false }), FeatureModule),
      ).rejects.toThrow(/CircuitBreakerRegistry/);
    });
  });

  describe('forRootAsync()', () => {
    it('takes options from a factory with injected providers', async () => {
      moduleRef = await compile(
        CircuitBreakerModule.forRootAsync({
          imports: [SettingsModule],
          inject: [SettingsService],
          useFactory: (settings: SettingsService) => ({
            defaults: settings.breakerDefaults,
            logging: false,
          }),
        }),
      );
      const breaker = moduleRef.get(CircuitBreakerRegistry).getOrCreate('search');

      await failTimes(breaker, 2);
      expect(breaker.state).toBe('closed');
      await failTimes(breaker, 1);
      expect(breaker.state).toBe('open');
    });

    it('takes options from a class with useClass', async () => {
      moduleRef = await compile(CircuitBreakerModule.forRootAsync({ useClass: OptionsFactory }));
      const breaker = moduleRef.get(CircuitBreakerRegistry).getOrCreate('search');

      await failTimes(breaker, 3);
      expect(breaker.state).toBe('closed');
      await failTimes(breaker, 1);
      expect(breaker.state).toBe('open');
    });

    it('takes options from an existing provider with useExisting', async () => {
      @Module({ providers: [OptionsFactory], exports: [OptionsFactory] })
      class OptionsModule {}

      moduleRef = await compile(
        CircuitBreakerModule.forRootAsync({
          imports: [OptionsModule],
          useExisting: OptionsFactory,
        }),
      );
      const breaker = moduleRef.get(CircuitBreakerRegistry).getOrCreate('search');

      await failTimes(breaker, 4);
      expect(breaker.state).toBe('open');
    });

    it('stops bootstrap when the factory returns an invalid option', async () => {
      await expect(
        compile(
          CircuitBreakerModule.forRootAsync({
            useFactory: () => ({ breakers: { payments: { maxRequests: 0 } } }),
          }),
        ),
      ).rejects.toThrow(/breakers\.payments\.maxRequests/);
    });
  });

  describe('validation', () => {
    it.each([
      [{ breakers: { payments: { timeout: -1 } } }, /"breakers\.payments\.timeout": received -1/],
      [{ defaults: { maxFailures: 'five' } }, /"defaults\.maxFailures"/],
      [{ breakers: 'payments' }, /"breakers": received "payments"/],
      [{ maxBreakers: 0 }, /"maxBreakers": received 0/],
      [{ logging: 'yes' }, /"logging": received "yes"; expected true or false/],
      [{ breaker: {} }, /"breaker": received an object; expected one of "defaults"/],
    ])('stops bootstrap on %j', async (options, message) => {
      await expect(
        compile(CircuitBreakerModule.forRoot(options as CircuitBreakerModuleOptions)),
      ).rejects.toThrow(message);
    });
  });

  describe('@InjectCircuitBreaker()', () => {
    it('injects the registry breaker of that name', async () => {
      moduleRef = await Test.createTestingModule({
        imports: [
          CircuitBreakerModule.forRoot({
            breakers: { payments: { maxFailures: 1 } },
            logging: false,
          }),
        ],
        providers: [PaymentsClient],
      }).compile();
      const client = moduleRef.get(PaymentsClient);
      const registry = moduleRef.get(CircuitBreakerRegistry);

      expect(client.payments).toBe(registry.get('payments'));
      expect(moduleRef.get(getCircuitBreakerToken('payments'))).toBe(client.payments);
      await failTimes(client.payments, 1);
      expect(client.payments.state).toBe('open');
    });

    it('provides names decorated after forRoot() was called', async () => {
      const dynamicModule = CircuitBreakerModule.forRoot({ logging: false });

      @Injectable()
      class LateClient {
        constructor(@InjectCircuitBreaker('late') readonly late: Breaker) {}
      }

      moduleRef = await Test.createTestingModule({
        imports: [dynamicModule],
        providers: [LateClient],
      }).compile();

      expect(moduleRef.get(LateClient).late.name).toBe('late');
    });

    it('creates an unconfigured name from defaults', async () => {
      moduleRef = await Test.createTestingModule({
        imports: [CircuitBreakerModule.forRoot({ defaults: { maxFailures: 2 }, logging: false })],
        providers: [PaymentsClient],
      }).compile();
      const { unconfigured } = moduleRef.get(PaymentsClient);

      expect(unconfigured.name).toBe('unconfigured');
      await failTimes(unconfigured, 1);
      expect(unconfigured.state).toBe('closed');
      await failTimes(unconfigured, 1);
      expect(unconfigured.state).toBe('open');
    });

    it('shares the breaker of a decorated method, created with its overrides', async () => {
      moduleRef = await Test.createTestingModule({
        imports: [CircuitBreakerModule.forRoot({ logging: false })],
        providers: [LedgerService],
      }).compile();
      await moduleRef.init();
      const ledger = moduleRef.get(LedgerService);

      await expect(ledger.post()).rejects.toThrow('ledger is down');
      expect(ledger.ledger.state).toBe('open');
    });
  });

  describe('logging', () => {
    it('warns on open and logs on close, naming the breaker', async () => {
      const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
      const log = jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);

      moduleRef = await compile(
        CircuitBreakerModule.forRoot({ breakers: { payments: { maxFailures: 1 } } }),
      );
      const breaker = moduleRef.get(CircuitBreakerRegistry).get('payments');

      await failTimes(breaker, 1);
      expect(warn).toHaveBeenCalledWith(
        expect.stringContaining('"payments" went from closed to open'),
      );

      breaker.reset();
      expect(log).toHaveBeenCalledWith(
        expect.stringContaining('"payments" went from open to closed'),
      );
    });

    it('warns on forced-open and disabled, and debugs on half-open', async () => {
      const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
      const debug = jest.spyOn(Logger.prototype, 'debug').mockImplementation(() => undefined);
      let now = 0;

      moduleRef = await compile(
        CircuitBreakerModule.forRoot({
          breakers: { payments: { maxFailures: 1, timeout: 1_000, clock: () => now } },
        }),
      );
      const breaker = moduleRef.get(CircuitBreakerRegistry).get('payments');

      await failTimes(breaker, 1);
      now = 1_000;
      expect(breaker.state).toBe('half-open');
      expect(debug).toHaveBeenCalledWith(
        expect.stringContaining('"payments" went from open to half-open'),
      );

      breaker.forceOpen();
      breaker.reset();
      breaker.disable();
      expect(warn).toHaveBeenCalledWith(expect.stringContaining('to forced-open'));
      expect(warn).toHaveBeenCalledWith(expect.stringContaining('to disabled'));
    });

    it('stays silent with logging: false', async () => {
      const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);

      moduleRef = await compile(
        CircuitBreakerModule.forRoot({
          breakers: { payments: { maxFailures: 1 } },
          logging: false,
        }),
      );

      await failTimes(moduleRef.get(CircuitBreakerRegistry).get('payments'), 1);
      expect(warn).not.toHaveBeenCalled();
    });
  });

  describe('events$', () => {
    it('streams state changes and completes when the application closes', async () => {
      moduleRef = await compile(
        CircuitBreakerModule.forRoot({
          breakers: { payments: { maxFailures: 1 } },
          logging: false,
        }),
      );
      const registry = moduleRef.get(CircuitBreakerRegistry);
      const seen: string[] = [];
      let completed = false;

      registry.events$.subscribe({
        next: ({ breaker, from, to }) => seen.push(`${breaker}: ${from} -> ${to}`),
        complete: () => (completed = true),
      });
      await failTimes(registry.get('payments'), 1);
      await moduleRef.close();
      moduleRef = undefined;

      expect(seen).toEqual(['payments: closed -> open']);
      expect(completed).toBe(true);
    });
  });

  describe('shutdown', () => {
    it('releases the timer an open breaker holds when the application closes', async () => {
      moduleRef = await compile(
        CircuitBreakerModule.forRoot({
          breakers: { payments: { maxFailures: 1 } },
          logging: false,
        }),
      );
      jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });

      try {
        await failTimes(moduleRef.get(CircuitBreakerRegistry).get('payments'), 1);
        expect(jest.getTimerCount()).toBe(1);

        await moduleRef.close();
        moduleRef = undefined;
        expect(jest.getTimerCount()).toBe(0);
      } finally {
        jest.useRealTimers();
      }
    });

    it('closes the registry and stops logging when the application closes', async () => {
      const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);

      moduleRef = await compile(
        CircuitBreakerModule.forRoot({ breakers: { payments: { maxFailures: 1 } } }),
      );
      const registry = moduleRef.get(CircuitBreakerRegistry);
      const close = jest.spyOn(registry, 'close');

      await moduleRef.close();
      moduleRef = undefined;
      await failTimes(registry.get('payments'), 1);

      expect(close).toHaveBeenCalled();
      expect(warn).not.toHaveBeenCalled();
    });
  });
});
