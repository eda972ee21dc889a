import { ServiceUnavailableException } from '@nestjs/common';
import { HealthCheckService, TerminusModule } from '@nestjs/terminus';
import { Test, type TestingModule } from '@nestjs/testing';
import { CircuitBreakerHealthIndicator } from '../../../lib/nest/observability/circuit-breaker.health.js';
import { OPTIONAL_PEER_LOADERS } from '../../../lib/nest/observability/optional-peer-loaders.js';
import { CIRCUIT_BREAKER_MODULE_OPTIONS } from '../../../lib/nest/circuit-breaker.module-definition.js';
import { CircuitBreakerRegistry } from '../../../lib/nest/circuit-breaker.registry.js';

describe('CircuitBreakerHealthIndicator', () => {
  let moduleRef: TestingModule;
  let breakers: CircuitBreakerRegistry;
  let indicator: CircuitBreakerHealthIndicator;

  beforeEach(async () => {
    moduleRef = await Test.createTestingModule({
      imports: [TerminusModule.forRoot({ logger: false })],
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

  it('names the package to install when @nestjs/terminus cannot be loaded', async () => {
    const missing = await Test.createTestingModule({
      providers: [
        { provide: CIRCUIT_BREAKER_MODULE_OPTIONS, useValue: {} },
        {
          provide: OPTIONAL_PEER_LOADERS,
          useValue: { terminus: () => Promise.reject(new Error('Cannot find package')) },
        },
        CircuitBreakerRegistry,
        CircuitBreakerHealthIndicator,
      ],
    }).compile();

    try {
      await expect(
        missing.get(CircuitBreakerHealthIndicator).isHealthy('breakers'),
      ).rejects.toThrow(
        'CircuitBreakerHealthIndicator needs the package "@nestjs/terminus", which could not be ' +
          'loaded. Install it with `npm install @nestjs/terminus`.',
      );
    } finally {
      await missing.close();
    }
  });
});
