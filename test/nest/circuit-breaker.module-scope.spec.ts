import 'reflect-metadata';
import { type DynamicModule, Injectable, Module, Optional, type Type } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { CircuitBreaker } from '../../lib/nest/circuit-breaker.decorator.js';
import { CircuitBreakerModule } from '../../lib/nest/circuit-breaker.module.js';
import { CircuitBreakerRegistry } from '../../lib/nest/circuit-breaker.registry.js';

interface FailingService {
  /** The registry the service's module injects, when its module sees one. */
  readonly registry: CircuitBreakerRegistry;
  call(): Promise<void>;
}

/** A service whose one protected method always fails. */
function failingService(name: string): Type<FailingService> {
  @Injectable()
  class Service {
    constructor(@Optional() readonly registry: CircuitBreakerRegistry) {}

    @CircuitBreaker('shared')
    async call(): Promise<void> {
      throw new Error(`${name} is down`);
    }
  }

  Object.defineProperty(Service, 'name', { value: name });

  return Service;
}

/** Fails `service` `count` times. */
async function failTimes(service: FailingService, count: number): Promise<void> {
  for (let index = 0; index < count; index++) await service.call().catch(() => undefined);
}

const Payments = failingService('PaymentsService');
const Search = failingService('SearchService');

@Module({
  imports: [CircuitBreakerModule.forRoot({ defaults: { maxFailures: 1 }, logging: false })],
  providers: [Payments],
  exports: [Payments],
})
class PaymentsModule {}

@Module({
  imports: [CircuitBreakerModule.forRoot({ defaults: { maxFailures: 5 }, logging: false })],
  providers: [Search],
  exports: [Search],
})
class SearchModule {}

let app: TestingModule | undefined;

afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function start(...imports: Array<Type | DynamicModule>): Promise<TestingModule> {
  app = await Test.createTestingModule({ imports }).compile();
  await app.init();

  return app;
}

describe('CircuitBreakerModule imported by several modules', () => {
  it("runs each class's methods under the configuration its own module imports", async () => {
    const moduleRef = await start(PaymentsModule, SearchModule);

    await failTimes(moduleRef.get(Payments), 1);
    await failTimes(moduleRef.get(Search), 1);

    const payments = moduleRef.get(Payments).registry;
    const search = moduleRef.get(Search).registry;

    expect(payments).not.toBe(search);
    expect(payments.get('shared').stats()).toMatchObject({ state: 'open', failures: 1 });
    expect(search.get('shared').stats()).toMatchObject({ state: 'closed', failures: 1 });
  });

  it('serves a class whose module imports one that re-exports the module', async () => {
    const Orders = failingService('OrdersService');

    @Module({
      imports: [CircuitBreakerModule.forRoot({ defaults: { maxFailures: 2 }, logging: false })],
      exports: [CircuitBreakerModule],
    })
    class SharedBreakersModule {}

    @Module({ imports: [SharedBreakersModule], providers: [Orders] })
    class OrdersModule {}

    const moduleRef = await start(OrdersModule, SearchModule);

    await failTimes(moduleRef.get(Orders), 2);

    expect(moduleRef.get(Orders).registry.get('shared').state).toBe('open');
    expect(moduleRef.get(Search).registry.get('shared').stats().calls).toBe(0);
  });

  it('prefers the import of its own module over a global one', async () => {
    const Billing = failingService('BillingService');

    @Module({
      imports: [CircuitBreakerModule.forRoot({ defaults: { maxFailures: 1 }, logging: false })],
      providers: [Billing],
    })
    class BillingModule {}

    const moduleRef = await start(
      CircuitBreakerModule.forRoot({ isGlobal: true, logging: false }),
      BillingModule,
    );

    await failTimes(moduleRef.get(Billing), 1);

    // The global import's defaults (five failures) would have kept it closed.
    expect(moduleRef.get(Billing).registry.get('shared').state).toBe('open');
  });

  it('stops bootstrap for a class whose module sees two of the imports', async () => {
    const Billing = failingService('BillingService');

    @Module({
      imports: [
        CircuitBreakerModule.forRoot({ defaults: { maxFailures: 1 }, logging: false }),
        CircuitBreakerModule.forRoot({ defaults: { maxFailures: 2 }, logging: false }),
      ],
      providers: [Billing],
    })
    class BillingModule {}

    await expect(start(BillingModule)).rejects.toThrow(
      '@CircuitBreaker() cannot protect BillingService.call(): the application imports ' +
        'CircuitBreakerModule more than once, and the module that provides "BillingService" ' +
        'imports 2 of them',
    );
  });

  it('stops bootstrap for a class that sees two global imports and none of its own', async () => {
    const Billing = failingService('BillingService');

    @Module({ providers: [Billing] })
    class BillingModule {}

    await expect(
      start(
        CircuitBreakerModule.forRoot({ isGlobal: true, logging: false }),
        CircuitBreakerModule.forRoot({ isGlobal: true, defaults: { maxFailures: 2 } }),
        BillingModule,
      ),
    ).rejects.toThrow('the module that provides "BillingService" sees 2 global ones');
  });

  it('stops bootstrap for a class whose module imports none of them', async () => {
    const Audit = failingService('AuditService');

    @Module({ providers: [Audit] })
    class AuditModule {}

    await expect(start(AuditModule, PaymentsModule, SearchModule)).rejects.toThrow(
      'the module that provides "AuditService" imports none of them',
    );
  });

  it('serves every module from a single import, even one that does not import it', async () => {
    const Audit = failingService('AuditService');

    @Module({ providers: [Audit] })
    class AuditModule {}

    const moduleRef = await start(AuditModule, PaymentsModule);

    await failTimes(moduleRef.get(Audit), 1);

    expect(moduleRef.get(Payments).registry.get('shared').state).toBe('open');
  });
});
