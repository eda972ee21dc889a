import 'reflect-metadata';
import { Controller, Get, Injectable, Module, Param, UseInterceptors } from '@nestjs/common';
import type { Breaker } from '../../lib/core/index.js';
import {
  CircuitBreaker,
  CircuitBreakerInterceptor,
  CircuitBreakerModule,
  getCircuitBreakerToken,
  InjectCircuitBreaker,
} from '../../lib/nest/index.js';
import { httpAdapters, shareHttpApp } from './http-app.js';

let now = 0;
const clock = () => now;

/** Breaker settings as a configuration module would read them from the environment. */
@Injectable()
class BreakerSettings {
  readonly maxFailures = 3;
  readonly openSeconds = 2;
}

@Module({ providers: [BreakerSettings], exports: [BreakerSettings] })
class SettingsModule {}

/** A warehouse whose health each test sets. */
@Injectable()
class Warehouse {
  healthy = true;
  calls = 0;

  async stock(sku: string): Promise<{ sku: string; available: number }> {
    this.calls++;

    if (!this.healthy) throw new Error('warehouse 7 is down');

    return { sku, available: 5 };
  }
}

/** Calls the warehouse through a breaker it has injected rather than through a decorator. */
@Injectable()
class InventoryService {
  constructor(
    @InjectCircuitBreaker('inventory') private readonly breaker: Breaker,
    private readonly warehouse: Warehouse,
  ) {}

  level(sku: string): Promise<{ sku: string; available: number }> {
    return this.breaker.call(() => this.warehouse.stock(sku));
  }
}

@Controller('inventory')
@UseInterceptors(CircuitBreakerInterceptor)
class InventoryController {
  constructor(private readonly inventory: InventoryService) {}

  @Get(':sku')
  level(@Param('sku') sku: string): Promise<{ sku: string; available: number }> {
    return this.inventory.level(sku);
  }
}

/** Two dependencies, either of which a test can take down. */
@Injectable()
class Dependencies {
  readonly down = new Set<string>();
  readonly calls = new Map<string, number>();

  async ask(dependency: string): Promise<{ answeredBy: string }> {
    this.calls.set(dependency, (this.calls.get(dependency) ?? 0) + 1);

    if (this.down.has(dependency)) throw new Error(`${dependency} at 10.0.0.3 is down`);

    return { answeredBy: dependency };
  }
}

// Both controllers name their method `find` and leave the breaker name to the default,
// `ClassName.methodName`.
@Controller('payments')
@UseInterceptors(CircuitBreakerInterceptor)
class PaymentsController {
  constructor(private readonly dependencies: Dependencies) {}

  @Get()
  @CircuitBreaker()
  async find(): Promise<{ answeredBy: string }> {
    return this.dependencies.ask('payments');
  }
}

@Controller('search')
@UseInterceptors(CircuitBreakerInterceptor)
class SearchController {
  constructor(private readonly dependencies: Dependencies) {}

  @Get()
  @CircuitBreaker()
  async find(): Promise<{ answeredBy: string }> {
    return this.dependencies.ask('search');
  }
}

describe.each(httpAdapters)('CircuitBreakerModule over HTTP with %s', (_, createAdapter) => {
  describe('configured by forRootAsync() from an injected settings provider', () => {
    const shared = shareHttpApp(
      {
        imports: [
          CircuitBreakerModule.forRootAsync({
            imports: [SettingsModule],
            inject: [BreakerSettings],
            useFactory: (settings: BreakerSettings) => ({
              defaults: {
                maxFailures: settings.maxFailures,
                timeout: settings.openSeconds * 1_000,
                clock,
              },
              logging: false,
            }),
          }),
        ],
        controllers: [InventoryController],
        providers: [Warehouse, InventoryService],
      },
      createAdapter,
    );
    let warehouse: Warehouse;

    beforeEach(() => {
      warehouse = shared.app.get(Warehouse);
      warehouse.healthy = true;
      warehouse.calls = 0;
    });

    const getLevel = () => shared.get('/inventory/widget');

    it("serves a route through the breaker injected into the route's service", async () => {
      await getLevel().expect(200, { sku: 'widget', available: 5 });

      expect(shared.app.get(getCircuitBreakerToken('inventory'))).toBe(
        shared.registry.get('inventory'),
      );
      expect(shared.registry.get('inventory').stats()).toMatchObject({ calls: 1, successes: 1 });
    });

    it("opens the circuit after the factory's maxFailures, answering 503 with its open time", async () => {
      warehouse.healthy = false;
      await getLevel().expect(500);
      await getLevel().expect(500);
      await getLevel().expect(500);

      const response = await getLevel().expect(503);

      expect(response.headers['retry-after']).toBe('2');
      expect(warehouse.calls).toBe(3);
      expect(shared.registry.get('inventory').state).toBe('open');
    });

    it("admits a probe once the factory's open time has passed, and closes on its success", async () => {
      warehouse.healthy = false;
      await getLevel().expect(500);
      await getLevel().expect(500);
      await getLevel().expect(500);
      warehouse.healthy = true;

      now += 1_999;
      await getLevel().expect(503);
      now += 1;

      await getLevel().expect(200, { sku: 'widget', available: 5 });
      expect(shared.registry.get('inventory').state).toBe('closed');
    });
  });

  describe('with methods of two controllers behind breakers of different names', () => {
    const shared = shareHttpApp(
      {
        imports: [
          CircuitBreakerModule.forRoot({
            defaults: { maxFailures: 2, timeout: 5_000, clock },
            logging: false,
          }),
        ],
        controllers: [PaymentsController, SearchController],
        providers: [Dependencies],
      },
      createAdapter,
    );
    const { get } = shared;
    let dependencies: Dependencies;

    beforeEach(() => {
      dependencies = shared.app.get(Dependencies);
      dependencies.down.clear();
      dependencies.calls.clear();
    });

    it('gives each method its own breaker, named after its class and method', async () => {
      await get('/payments').expect(200, { answeredBy: 'payments' });
      await get('/search').expect(200, { answeredBy: 'search' });

      expect(shared.registry.get('PaymentsController.find').stats()).toMatchObject({ calls: 1 });
      expect(shared.registry.get('SearchController.find').stats()).toMatchObject({ calls: 1 });
    });

    it('keeps serving one route while the circuit of the other is open', async () => {
      dependencies.down.add('payments');
      await get('/payments').expect(500);
      await get('/payments').expect(500);

      await get('/payments').expect(503);
      await get('/search').expect(200, { answeredBy: 'search' });
      expect(shared.registry.get('PaymentsController.find').state).toBe('open');
      expect(shared.registry.get('SearchController.find').stats()).toMatchObject({
        state: 'closed',
        failures: 0,
        successes: 1,
      });
      expect(dependencies.calls.get('payments')).toBe(2);
    });

    it("counts each route's failures apart, so interleaved failures open neither circuit", async () => {
      dependencies.down.add('payments').add('search');
      await get('/payments').expect(500);
      await get('/search').expect(500);
      dependencies.down.clear();

      await get('/payments').expect(200);
      await get('/search').expect(200);
      expect(shared.registry.get('PaymentsController.find').stats()).toMatchObject({
        failures: 1,
        successes: 1,
      });
      expect(shared.registry.get('SearchController.find').stats()).toMatchObject({
        failures: 1,
        successes: 1,
      });
    });
  });
});
