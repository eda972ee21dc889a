import 'reflect-metadata';
import {
  Controller,
  Get,
  Injectable,
  NotFoundException,
  Param,
  type Type,
  UseFilters,
} from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { CircuitBreaker } from '../../lib/nest/circuit-breaker.decorator.js';
import { CircuitBreakerExceptionFilter } from '../../lib/nest/circuit-breaker.filter.js';
import { CircuitBreakerModule } from '../../lib/nest/circuit-breaker.module.js';
import { httpAdapters, shareHttpApp } from './http-app.js';

let now = 0;
const clock = () => now;

@Injectable()
class Pricing {
  healthy = false;
  calls = 0;

  @CircuitBreaker('pricing', { maxFailures: 2, timeout: 3_200 })
  async price(sku: string): Promise<{ sku: string; price: number }> {
    this.calls++;

    if (sku === 'missing') throw new NotFoundException(`no product ${sku}`);

    if (!this.healthy) throw new Error('pricing at 10.0.0.7 is down');

    return { sku, price: 42 };
  }
}

@Controller('filtered')
@UseFilters(CircuitBreakerExceptionFilter)
class FilteredController {
  constructor(private readonly pricing: Pricing) {}

  @Get(':sku')
  price(@Param('sku') sku: string): Promise<{ sku: string; price: number }> {
    return this.pricing.price(sku);
  }
}

@Controller('plain')
class PlainController {
  constructor(private readonly pricing: Pricing) {}

  @Get(':sku')
  price(@Param('sku') sku: string): Promise<{ sku: string; price: number }> {
    return this.pricing.price(sku);
  }
}

/** The two ways of binding the filter: on the controller, or for the whole application. */
const bindings: [string, string, Type[], { provide: string; useClass: Type }[]][] = [
  ['on a controller', '/filtered', [FilteredController], []],
  [
    'as APP_FILTER',
    '/plain',
    [PlainController],
    [{ provide: APP_FILTER, useClass: CircuitBreakerExceptionFilter }],
  ],
];

describe.each(httpAdapters)('CircuitBreakerExceptionFilter over %s', (_platform, createAdapter) => {
  describe.each(bindings)('bound %s', (_binding, base, controllers, providers) => {
    const http = shareHttpApp(
      {
        imports: [CircuitBreakerModule.forRoot({ defaults: { clock }, logging: false })],
        controllers,
        providers: [Pricing, ...providers],
      },
      createAdapter,
    );
    const pricing = () => http.app.get(Pricing);

    beforeEach(() => {
      now = 0;
      pricing().healthy = false;
      pricing().calls = 0;
    });

    it('leaves a success untouched', async () => {
      pricing().healthy = true;

      await http.get(`${base}/A-1`).expect(200, { sku: 'A-1', price: 42 });
    });

    it("leaves other errors to Nest's own answers", async () => {
      await http.get(`${base}/missing`).expect(404);
      await http.get(`${base}/A-1`).expect(500);
    });

    it('answers an open circuit with 503, Retry-After rounded up and a body naming nothing', async () => {
      await http.get(`${base}/A-1`).expect(500);
      await http.get(`${base}/A-1`).expect(500);

      const response = await http.get(`${base}/A-1`).expect(503);

      expect(response.headers['retry-after']).toBe('4');
      expect(response.body).toEqual({
        statusCode: 503,
        message: 'Service temporarily unavailable',
        retryAfter: 4,
      });
      expect(response.text).not.toMatch(/pricing|10\.0\.0\.7/);
      expect(pricing().calls).toBe(2);
    });

    it('sends no Retry-After while the circuit is forced open', async () => {
      http.registry.get('pricing').forceOpen();

      const response = await http.get(`${base}/A-1`).expect(503);

      expect(response.headers['retry-after']).toBeUndefined();
      expect(response.body).toEqual({
        statusCode: 503,
        message: 'Service temporarily unavailable',
      });
    });
  });
});
