import { Inject, Injectable, type Provider, ServiceUnavailableException } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { HealthCheckService, TerminusModule } from '@nestjs/terminus';
import { Test, type TestingModule } from '@nestjs/testing';
import { CircuitBreakerHealthIndicator } from '../../../lib/nest/observability/circuit-breaker.health.js';
import { OPTIONAL_PEER_LOADERS } from '../../../lib/nest/observability/optional-peer-loaders.js';
import { CIRCUIT_BREAKER_MODULE_OPTIONS } from '../../../lib/nest/circuit-breaker.module-definition.js';
import { CircuitBreakerRegistry } from '../../../lib/nest/circuit-breaker.registry.js';

@Injectable()
class HealthController {
  constructor(readonly indicator: CircuitBreakerHealthIndicator) {}
}

@Injectable()
class PropertyHealthController {
  @Inject(CircuitBreakerHealthIndicator)
  readonly indicator!: CircuitBreakerHealthIndicator;
}

function indicatorUser(indicator: CircuitBreakerHealthIndicator) {
  return { indicator };
}

describe('CircuitBreakerHealthIndicator', () => {
  let moduleRef: TestingModule;
  let breakers: CircuitBreakerRegistry;
  let indicator: CircuitBreakerHealthIndicator;

  beforeEach(async () => {
    moduleRef = await Test.createTestingModule({
      imports: [DiscoveryModule, TerminusModule.forRoot({ logger: false })],
      providers: [
        {
          provide: CIRCUIT_BREAKER_MODULE_OPTIONS,
          useValue: { breakers: { payments: {}, inventory: {} } },
        },
        CircuitBreakerRegistry,
        CircuitBreakerHealthIndicator,
      ],
    }).compile();
    breakers = moduleRef.get(CircuitBreakerRegistry);
    indicator = moduleRef.get(CircuitBreakerHealthIndicator);
  });

  afterEach(() => moduleRef.close());

  it('is up with the state of every breaker while none is open', async () => {
    breakers.get('inventory').disable();

    await expect(indicator.isHealthy('circuit-breakers')).resolves.toEqual({
      'circuit-breakers': {
        status: 'up',
        breakers: { payments: { state: 'closed' }, inventory: { state: 'disabled' } },
      },
    });
  });

  it('is down when a listed breaker is forced open', async () => {
    breakers.get('payments').forceOpen();

    await expect(indicator.isHealthy('dependencies', { breakers: ['payments'] })).resolves.toEqual({
      dependencies: { status: 'down', breakers: { payments: { state: 'forced-open' } } },
    });
  });

  it('ignores breakers that are not listed', async () => {
    breakers.get('payments').forceOpen();

    await expect(indicator.isHealthy('stock', { breakers: ['inventory'] })).resolves.toEqual({
      stock: { status: 'up', breakers: { inventory: { state: 'closed' } } },
    });
  });

  it('fails a terminus health check with 503 while a breaker is open', async () => {
    const health = moduleRef.get(HealthCheckService);
    const check = () => health.check([() => indicator.isHealthy('circuit-breakers')]);

    await expect(check()).resolves.toMatchObject({ status: 'ok' });

    for (let i = 0; i < 5; i++) {
      await breakers
        .get('payments')
        .call(() => Promise.reject(new Error('down')))
        .catch(() => undefined);
    }

    const failure = await check().catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(ServiceUnavailableException);
    expect((failure as ServiceUnavailableException).getResponse()).toMatchObject({
      status: 'error',
      error: {
        'circuit-breakers': {
          status: 'down',
          breakers: { payments: { state: 'open', retryAfter: expect.any(Number) } },
        },
      },
    });
  });

  describe('without @nestjs/terminus', () => {
    const withoutTerminus = (...providers: Provider[]) =>
      Test.createTestingModule({
        imports: [DiscoveryModule],
        providers: [
          { provide: CIRCUIT_BREAKER_MODULE_OPTIONS, useValue: {} },
          {
            provide: OPTIONAL_PEER_LOADERS,
            useValue: { terminus: () => Promise.reject(new Error('Cannot find package')) },
          },
          CircuitBreakerRegistry,
          CircuitBreakerHealthIndicator,
          ...providers,
        ],
      }).compile();
    const message =
      'CircuitBreakerHealthIndicator needs the package "@nestjs/terminus", which could not be ' +
      'loaded. Install it with `npm install @nestjs/terminus`.';

    it('starts when nothing is injected with the indicator', async () => {
      const missing = await withoutTerminus();

      try {
        await expect(missing.init()).resolves.toBe(missing);
        await expect(
          missing.get(CircuitBreakerHealthIndicator).isHealthy('breakers'),
        ).rejects.toThrow(message);
      } finally {
        await missing.close();
      }
    });

    it.each([
      ['through its constructor', HealthController],
      [
        'through a factory',
        { provide: 'HEALTH', useFactory: indicatorUser, inject: [CircuitBreakerHealthIndicator] },
      ],
      ['into a property', PropertyHealthController],
    ])(
      'stops bootstrap naming the package when a provider is injected with it %s',
      async (_way, user) => {
        const missing = await withoutTerminus(user as Provider);

        try {
          await expect(missing.init()).rejects.toThrow(message);
        } finally {
          await missing.close();
        }
      },
    );
  });
});
