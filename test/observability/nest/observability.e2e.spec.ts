import 'reflect-metadata';
import { Controller, Get, Global, type INestApplication, Module } from '@nestjs/common';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { HealthCheck, HealthCheckService, TerminusModule } from '@nestjs/terminus';
import { Test } from '@nestjs/testing';
import { Registry } from 'prom-client';
import request from 'supertest';
import {
  CircuitBreaker,
  CircuitBreakerHealthIndicator,
  CircuitBreakerModule,
  CircuitBreakerRegistry,
} from '../../../lib/nest/index.js';
import type { StateChangeEvent } from '../../../lib/core/index.js';
import type { CircuitBreakerModuleOptions } from '../../../lib/nest/circuit-breaker-module-options.interface.js';
import { OPTIONAL_PEER_LOADERS } from '../../../lib/nest/observability/optional-peer-loaders.js';
import { notInstalled, StateChangeListener } from '../observability-fixtures.js';

@Controller()
class ShopController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly breakerHealth: CircuitBreakerHealthIndicator,
  ) {}

  @Get('pay')
  @CircuitBreaker('payments')
  pay(): string {
    throw new Error('payments are down');
  }

  @Get('health')
  @HealthCheck()
  check() {
    return this.health.check([() => this.breakerHealth.isHealthy('circuit-breakers')]);
  }
}

describe('observability through CircuitBreakerModule', () => {
  let app: INestApplication | undefined;

  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  async function start(options: CircuitBreakerModuleOptions): Promise<INestApplication> {
    const moduleRef = await Test.createTestingModule({
      imports: [
        CircuitBreakerModule.forRoot({
          breakers: { payments: { maxFailures: 2, timeout: 60_000 } },
          logging: false,
          ...options,
        }),
        EventEmitterModule.forRoot(),
        TerminusModule.forRoot({ logger: false }),
      ],
      controllers: [ShopController],
      providers: [StateChangeListener],
    }).compile();

    app = moduleRef.createNestApplication({ logger: false });
    await app.init();

    return app;
  }

  it('exports metrics, events and health for the breakers of an application', async () => {
    const metrics = new Registry();
    const running = await start({ metrics: { prometheus: { registry: metrics } }, events: true });
    const streamed: string[] = [];
    const subscription = running
      .get(CircuitBreakerRegistry)
      .events$.subscribe(({ breaker, to }) => streamed.push(`${breaker} ${to}`));

    await request(running.getHttpServer()).get('/health').expect(200);
    await request(running.getHttpServer()).get('/pay').expect(500);
    await request(running.getHttpServer()).get('/pay').expect(500);
    subscription.unsubscribe();

    const health = await request(running.getHttpServer()).get('/health').expect(503);
    const text = await metrics.metrics();

    expect(health.body.error).toEqual({
      'circuit-breakers': {
        status: 'down',
        breakers: { payments: { state: 'open', retryAfter: expect.any(Number) } },
      },
    });
    expect(text).toContain('circuit_breaker_state{breaker="payments",state="open"} 1');
    expect(text).toContain('circuit_breaker_calls_total{breaker="payments",outcome="failure"} 2');
    expect(text).toContain(
      'circuit_breaker_transitions_total{breaker="payments",from="closed",to="open"} 1',
    );
    expect(streamed).toEqual(['payments open']);
    expect(running.get(StateChangeListener).received).toEqual([
      expect.objectContaining({ breaker: 'payments', from: 'closed', to: 'open' }),
    ]);
  });

  it('delivers the stats of each transition through events$ and @OnEvent()', async () => {
    let now = 1_000;
    const running = await start({ defaults: { clock: () => now }, events: true });
    const registry = running.get(CircuitBreakerRegistry);
    const streamed: StateChangeEvent[] = [];
    const subscription = registry.events$.subscribe((event) => streamed.push(event));

    await request(running.getHttpServer()).get('/pay').expect(500);
    now += 10;
    await request(running.getHttpServer()).get('/pay').expect(500);
    // Rejected: the controller has no interceptor to turn the rejection into a 503.
    await request(running.getHttpServer()).get('/pay').expect(500);
    registry.get('payments').reset();
    subscription.unsubscribe();

    const transitions = [
      {
        breaker: 'payments',
        from: 'closed',
        to: 'open',
        reason: 'consecutive-failures',
        stats: expect.objectContaining({
          name: 'payments',
          state: 'open',
          calls: 2,
          successes: 0,
          failures: 2,
          consecutiveFailures: 2,
          rejected: 0,
          inFlight: 0,
          openedAt: 1_010,
          retryAfter: 60_000,
        }),
      },
      {
        breaker: 'payments',
        from: 'open',
        to: 'closed',
        reason: 'reset',
        stats: expect.objectContaining({
          state: 'closed',
          calls: 0,
          failures: 0,
          consecutiveFailures: 0,
          rejected: 1,
          openedAt: undefined,
          retryAfter: undefined,
        }),
      },
    ];

    expect(streamed).toEqual(transitions);
    expect(running.get(StateChangeListener).received).toEqual(transitions);
  });

  it('unregisters the metrics when the application shuts down', async () => {
    const metrics = new Registry();

    await start({ metrics: { prometheus: { registry: metrics } } });
    await app?.close();
    app = undefined;

    expect(metrics.getMetricsAsArray()).toEqual([]);
  });

  it('completes events$ when the application shuts down', async () => {
    const running = await start({});
    let completed = false;

    running.get(CircuitBreakerRegistry).events$.subscribe({ complete: () => (completed = true) });
    await running.close();
    app = undefined;

    expect(completed).toBe(true);
  });

  it('stops bootstrap with the option named when metrics are misconfigured', async () => {
    await expect(start({ metrics: { prometheus: { prefix: 'shop-' } } })).rejects.toThrow(
      'Invalid breaker option "metrics.prometheus.prefix": received "shop-"',
    );
  });

  it('stops bootstrap naming the package when an enabled integration is not installed', async () => {
    @Global()
    @Module({
      providers: [{ provide: OPTIONAL_PEER_LOADERS, useValue: { promClient: notInstalled } }],
      exports: [OPTIONAL_PEER_LOADERS],
    })
    class MissingPromClientModule {}

    const moduleRef = await Test.createTestingModule({
      imports: [
        MissingPromClientModule,
        CircuitBreakerModule.forRoot({ metrics: { prometheus: true }, logging: false }),
      ],
    }).compile();

    app = moduleRef.createNestApplication({ logger: false });

    await expect(app.init()).rejects.toThrow('Install it with `npm install prom-client`.');
  });

  it('takes metrics and events from forRootAsync', async () => {
    const metrics = new Registry();
    const moduleRef = await Test.createTestingModule({
      imports: [
        CircuitBreakerModule.forRootAsync({
          useFactory: () => ({ metrics: { prometheus: { registry: metrics, prefix: 'shop_' } } }),
        }),
      ],
    }).compile();

    app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    app.get(CircuitBreakerRegistry).getOrCreate('inventory');

    expect(await metrics.metrics()).toContain(
      'shop_circuit_breaker_state{breaker="inventory",state="closed"} 1',
    );
  });
});
