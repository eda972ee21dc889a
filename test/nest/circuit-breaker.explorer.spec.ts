import 'reflect-metadata';
import {
  Controller,
  Get,
  Injectable,
  Module,
  type OnModuleInit,
  Scope,
  type Type,
} from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { BreakerOptions } from '../../lib/core/index.js';
import { CircuitBreaker } from '../../lib/nest/circuit-breaker.decorator.js';
import { Retry } from '../../lib/nest/retry.decorator.js';
import type { CircuitBreakerMethodOptions } from '../../lib/nest/circuit-breaker-method-options.interface.js';
import { CircuitBreakerModule } from '../../lib/nest/circuit-breaker.module.js';
import { CircuitBreakerRegistry } from '../../lib/nest/circuit-breaker.registry.js';

/** Starts a module with the given providers and controllers, and closes it again. */
async function bootstrap(
  providers: Type[],
  controllers: Type[] = [],
  defaults: BreakerOptions = {},
): Promise<void> {
  const moduleRef = await Test.createTestingModule({
    imports: [CircuitBreakerModule.forRoot({ defaults, logging: false })],
    providers,
    controllers,
  }).compile();

  try {
    await moduleRef.init();
  } finally {
    await moduleRef.close();
  }
}

@Injectable()
class MissingFallbackService {
  @CircuitBreaker('quotes', { fallback: 'cachedQuote' })
  async quote(): Promise<number> {
    return 1;
  }
}

@Injectable()
class FirstQuotesService {
  @CircuitBreaker('quotes', { maxFailures: 3 })
  async quote(): Promise<number> {
    return 1;
  }
}

@Injectable()
class SecondQuotesService {
  @CircuitBreaker('quotes', { maxFailures: 4 })
  async quote(): Promise<number> {
    return 2;
  }
}

@Injectable()
class SameQuotesService {
  @CircuitBreaker('quotes', { maxFailures: 3, fallback: 'cached' })
  async quote(): Promise<number> {
    return 2;
  }

  cached(): number {
    return 0;
  }
}

@Injectable({ scope: Scope.REQUEST })
class RequestScopedService {
  @CircuitBreaker()
  async quote(): Promise<number> {
    return 1;
  }
}

@Injectable({ scope: Scope.TRANSIENT })
class TransientService {
  @CircuitBreaker()
  async quote(): Promise<number> {
    return 1;
  }
}

@Controller({ path: 'quotes', scope: Scope.REQUEST })
class RequestScopedController {
  @Get()
  @CircuitBreaker()
  quote(): number {
    return 1;
  }
}

@Injectable()
class InvalidOverrideService {
  @CircuitBreaker('quotes', { timeout: -5 })
  async quote(): Promise<number> {
    return 1;
  }
}

@Injectable()
class StricterWindowService {
  @CircuitBreaker({ minimumCalls: 10 })
  async quote(): Promise<number> {
    return 1;
  }
}

@Injectable()
class InvalidFallbackOnService {
  @CircuitBreaker('quotes', { fallbackOn: 'sometimes' } as unknown as CircuitBreakerMethodOptions)
  async quote(): Promise<number> {
    return 1;
  }
}

class UnregisteredFallback {
  handle(): number {
    return 0;
  }
}

@Injectable()
class UnregisteredFallbackService {
  @CircuitBreaker('quotes', { fallback: UnregisteredFallback })
  async quote(): Promise<number> {
    return 1;
  }
}

class BaseRepository {
  calls = 0;

  @CircuitBreaker()
  async load(): Promise<number> {
    this.calls++;
    throw new Error('down');
  }
}

@Injectable()
class UsersRepository extends BaseRepository {}

@Injectable()
class OrdersRepository extends BaseRepository {}

@Injectable()
class CacheWarmer implements OnModuleInit {
  @CircuitBreaker('warmup')
  async load(): Promise<void> {
    throw new Error('cache backend is down');
  }

  async onModuleInit(): Promise<void> {
    for (let attempt = 0; attempt < 3; attempt++) await this.load().catch(() => undefined);
  }
}

@Module({ providers: [CacheWarmer] })
class CacheModule {}

@Module({ imports: [CacheModule] })
class CatalogModule {}

class FactoryMadeClient {
  calls = 0;

  @CircuitBreaker('factory-made')
  fetch(): never {
    this.calls++;
    throw new Error('down');
  }
}

class FrozenClient {
  readonly attempts = { count: 0 };

  @CircuitBreaker('frozen')
  fetch(): never {
    this.attempts.count++;
    throw new Error('down');
  }
}

describe('CircuitBreakerExplorer', () => {
  describe('stops bootstrap', () => {
    it('when a fallback method is missing, naming class, method and fallback', async () => {
      await expect(bootstrap([MissingFallbackService])).rejects.toThrow(
        'MissingFallbackService.quote() names the fallback "cachedQuote", but "MissingFallbackService" has no method of that name',
      );
    });

    it('when two methods share a breaker with different overrides', async () => {
      await expect(bootstrap([FirstQuotesService, SecondQuotesService])).rejects.toThrow(
        'Breaker "quotes" is used by FirstQuotesService.quote() and SecondQuotesService.quote() with different options',
      );
    });

    it('on a request-scoped provider', async () => {
      await expect(bootstrap([RequestScopedService])).rejects.toThrow(
        'cannot protect RequestScopedService.quote(): "RequestScopedService" is request-scoped or transient',
      );
    });

    it('on a transient provider', async () => {
      await expect(bootstrap([TransientService])).rejects.toThrow(/TransientService\.quote\(\)/);
    });

    it('on a request-scoped controller', async () => {
      await expect(bootstrap([], [RequestScopedController])).rejects.toThrow(
        /RequestScopedController\.quote\(\)/,
      );
    });

    it('on an invalid breaker override, naming class, method and option', async () => {
      await expect(bootstrap([InvalidOverrideService])).rejects.toThrow(
        '"InvalidOverrideService.quote.timeout": received -5',
      );
    });

    it('on an override that does not fit the defaults, naming class, method, breaker and option', async () => {
      const defaults: BreakerOptions = {
        failureRateThreshold: 0.5,
        minimumCalls: 5,
        window: { kind: 'count', size: 5 },
      };

      await expect(bootstrap([StricterWindowService], [], defaults)).rejects.toThrow(
        '@CircuitBreaker() on StricterWindowService.quote() gives breaker ' +
          '"StricterWindowService.quote" options that do not fit the module\'s defaults and its ' +
          '"breakers" entry: Invalid breaker option "StricterWindowService.quote.window.size": received 5',
      );
    });

    it('on an invalid fallbackOn', async () => {
      await expect(bootstrap([InvalidFallbackOnService])).rejects.toThrow(
        `InvalidFallbackOnService.quote() has an invalid "fallbackOn" (sometimes)`,
      );
    });

    it('when a fallback class is not a provider', async () => {
      await expect(bootstrap([UnregisteredFallbackService])).rejects.toThrow(
        'names the fallback class "UnregisteredFallback", which is not a provider',
      );
    });
  });

  it('accepts methods that share a breaker with the same overrides', async () => {
    await expect(bootstrap([FirstQuotesService, SameQuotesService])).resolves.toBeUndefined();
  });

  it('gives each subclass of a decorated base class its own breaker', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [CircuitBreakerModule.forRoot({ defaults: { maxFailures: 1 }, logging: false })],
      providers: [UsersRepository, OrdersRepository],
    }).compile();
    await moduleRef.init();
    const registry = moduleRef.get(CircuitBreakerRegistry);

    await expect(moduleRef.get(UsersRepository).load()).rejects.toThrow('down');

    expect(registry.get('UsersRepository.load').state).toBe('open');
    expect(registry.get('OrdersRepository.load').state).toBe('closed');
    await moduleRef.close();
  });

  it('keeps the breakers of decorated methods out of the maxBreakers cap', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [CircuitBreakerModule.forRoot({ maxBreakers: 1, logging: false })],
      providers: [FirstQuotesService],
    }).compile();
    await moduleRef.init();
    const registry = moduleRef.get(CircuitBreakerRegistry);
    const quotes = registry.get('quotes');

    registry.getOrCreate('search');
    registry.getOrCreate('browse');

    expect(registry.has('quotes')).toBe(true);
    expect(registry.has('search')).toBe(false);
    await expect(moduleRef.get(FirstQuotesService).quote()).resolves.toBe(1);
    expect(registry.get('quotes')).toBe(quotes);
    expect(quotes.stats().successes).toBe(1);
    await moduleRef.close();
  });

  it('protects instances made by factory providers', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [CircuitBreakerModule.forRoot({ defaults: { maxFailures: 1 }, logging: false })],
      providers: [{ provide: 'CLIENT', useFactory: () => new FactoryMadeClient() }],
    }).compile();
    await moduleRef.init();
    const client = moduleRef.get<FactoryMadeClient>('CLIENT');

    expect(() => client.fetch()).toThrow('down');
    expect(() => client.fetch()).toThrow(/is open/);
    expect(client.calls).toBe(1);
    await moduleRef.close();
  });

  it('protects frozen instances, which cannot carry their own routing', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [CircuitBreakerModule.forRoot({ defaults: { maxFailures: 1 }, logging: false })],
      providers: [{ provide: 'CLIENT', useFactory: () => Object.freeze(new FrozenClient()) }],
    }).compile();
    await moduleRef.init();
    const client = moduleRef.get<FrozenClient>('CLIENT');

    expect(() => client.fetch()).toThrow('down');
    expect(() => client.fetch()).toThrow(/is open/);
    expect(client.attempts.count).toBe(1);
    await moduleRef.close();
  });

  it('protects calls from modules that start before it', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        CircuitBreakerModule.forRoot({ defaults: { maxFailures: 2 }, logging: false }),
        CatalogModule,
      ],
    }).compile();
    await moduleRef.init();
    const breaker = moduleRef.get(CircuitBreakerRegistry).get('warmup');

    expect(breaker.stats()).toMatchObject({ failures: 2, rejected: 1 });
    expect(breaker.state).toBe('open');
    await moduleRef.close();
  });

  it('leaves instances created outside an application unprotected', async () => {
    const repository = new UsersRepository();

    await expect(repository.load()).rejects.toThrow('down');
    await expect(repository.load()).rejects.toThrow('down');
    expect(repository.calls).toBe(2);
  });

  it('rejects a name that is not a non-empty string', () => {
    expect(() => CircuitBreaker('')).toThrow(TypeError);
  });

  it.each([
    ['@CircuitBreaker()', CircuitBreaker('reports')],
    ['@Retry()', Retry()],
  ])('refuses %s on a static method when the class is defined', (decorator, decorate) => {
    class ReportJobs {
      static async nightly(): Promise<void> {}
    }

    expect(() =>
      decorate(ReportJobs, 'nightly', Object.getOwnPropertyDescriptor(ReportJobs, 'nightly')!),
    ).toThrow(
      `${decorator} cannot protect ReportJobs.nightly(): it is static, and only methods of ` +
        'provider and controller instances can be protected.',
    );
  });
});
