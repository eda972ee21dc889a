import 'reflect-metadata';
import {
  type CanActivate,
  Controller,
  type ExecutionContext,
  Get,
  Injectable,
  type INestApplication,
  Param,
  ParseIntPipe,
  SetMetadata,
  UseGuards,
  UseInterceptors,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { type Observable, of, throwError } from 'rxjs';
import request from 'supertest';
import { CircuitBreaker } from '../../lib/nest/circuit-breaker.decorator.js';
import { CircuitBreakerInterceptor } from '../../lib/nest/circuit-breaker.interceptor.js';
import { CircuitBreakerModule } from '../../lib/nest/circuit-breaker.module.js';
import { CircuitBreakerRegistry } from '../../lib/nest/circuit-breaker.registry.js';
import { Retry } from '../../lib/nest/retry.decorator.js';
import { httpAdapters, startHttpApp } from './http-app.js';

let now = 0;
const clock = () => now;

@Injectable()
class Downstream {
  healthy = false;
  calls = 0;
  /** How many calls of `flakyQuote()` fail before it answers. */
  flakyFailures = 0;

  async quote(id: number): Promise<{ id: number; price: number }> {
    this.calls++;

    if (!this.healthy) throw new Error('pricing service at 10.0.0.7 is down');

    return { id, price: 10 * id };
  }

  async flakyQuote(id: number): Promise<{ id: number; price: number }> {
    this.healthy = this.calls >= this.flakyFailures;

    return this.quote(id);
  }
}

/** Lets a request through only with an API key and the role the handler asks for. */
@Injectable()
class ApiKeyGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<{ headers: Record<string, string> }>();
    const role = this.reflector.get<string>('role', context.getHandler());

    return role === 'reader' && request.headers['x-api-key'] === 'secret';
  }
}

@Controller('quotes')
@UseInterceptors(CircuitBreakerInterceptor)
class QuotesController {
  constructor(private readonly downstream: Downstream) {}

  @Get('stream')
  @CircuitBreaker('stream')
  stream(): Observable<number> {
    return this.downstream.healthy ? of(1, 2, 3) : throwError(() => new Error('stream is down'));
  }

  @CircuitBreaker('forced')
  @Get('forced')
  forced(): string {
    return 'never';
  }

  @Get('cached/:id')
  @CircuitBreaker('cached', { fallback: 'cachedQuote' })
  async cached(@Param('id', ParseIntPipe) id: number): Promise<{ id: number; price: number }> {
    return this.downstream.quote(id);
  }

  // No wait between attempts: what is under test is the order of retry and breaker, not timing.
  @Get('retried/:id')
  @Retry({ attempts: 3, backoff: { initial: 0 } })
  @CircuitBreaker('retried')
  async retried(@Param('id', ParseIntPipe) id: number): Promise<{ id: number; price: number }> {
    return this.downstream.flakyQuote(id);
  }

  @Get(':id')
  @UseGuards(ApiKeyGuard)
  @SetMetadata('role', 'reader')
  @CircuitBreaker('quotes')
  async quote(@Param('id', ParseIntPipe) id: number): Promise<{ id: number; price: number }> {
    return this.downstream.quote(id);
  }

  cachedQuote(id: number, error: unknown): { id: number; price: number; stale: boolean } {
    return { id, price: 0, stale: error instanceof Error };
  }
}

describe.each(httpAdapters)('over HTTP with %s', (_platform, createAdapter) => {
  let app: INestApplication;
  let downstream: Downstream;
  let registry: CircuitBreakerRegistry;

  beforeEach(async () => {
    now = 0;

    app = await startHttpApp(
      {
        imports: [
          CircuitBreakerModule.forRoot({
            defaults: { maxFailures: 2, timeout: 5_000, clock },
            logging: false,
          }),
        ],
        controllers: [QuotesController],
        providers: [Downstream, ApiKeyGuard],
      },
      createAdapter,
    );
    downstream = app.get(Downstream);
    registry = app.get(CircuitBreakerRegistry);
  });

  afterEach(() => app.close());

  const getQuote = (id: string) =>
    request(app.getHttpServer()).get(`/quotes/${id}`).set('x-api-key', 'secret');

  it('serves the route through the breaker and counts the call once', async () => {
    downstream.healthy = true;

    await getQuote('3').expect(200, { id: 3, price: 30 });
    expect(registry.get('quotes').stats()).toMatchObject({ calls: 1, successes: 1 });
  });

  it('answers 503 without calling the downstream once the circuit is open', async () => {
    await getQuote('1').expect(500);
    await getQuote('1').expect(500);

    const response = await getQuote('1').expect(503);

    expect(response.body).toEqual({
      statusCode: 503,
      message: 'Service temporarily unavailable',
      retryAfter: 5,
    });
    expect(JSON.stringify(response.body)).not.toContain('quotes');
    expect(downstream.calls).toBe(2);
  });

  // The circuit opens for 5 s; each case reads the answer with `remainingMs` of it left.
  it.each([
    { remainingMs: 3_200, seconds: 4 },
    { remainingMs: 2_000, seconds: 2 },
    { remainingMs: 300, seconds: 1 },
  ])(
    'sends Retry-After: $seconds with $remainingMs ms of the open period left, in whole seconds rounded up',
    async ({ remainingMs, seconds }) => {
      await getQuote('1').expect(500);
      await getQuote('1').expect(500);
      now += 5_000 - remainingMs;

      const response = await getQuote('1').expect(503);

      expect(response.headers['retry-after']).toBe(String(seconds));
      expect(response.body.retryAfter).toBe(seconds);
    },
  );

  it('protects a handler that returns an Observable, answering 503 once open', async () => {
    downstream.healthy = true;
    await request(app.getHttpServer()).get('/quotes/stream').expect(200, '3');
    downstream.healthy = false;
    await request(app.getHttpServer()).get('/quotes/stream').expect(500);
    await request(app.getHttpServer()).get('/quotes/stream').expect(500);

    await request(app.getHttpServer()).get('/quotes/stream').expect(503);
    expect(registry.get('stream').stats()).toMatchObject({
      successes: 1,
      failures: 2,
      rejected: 1,
    });
  });

  it('sends no Retry-After when the wait is unknown, as in forced-open', async () => {
    registry.get('forced').forceOpen();

    const response = await request(app.getHttpServer()).get('/quotes/forced').expect(503);

    expect(response.headers['retry-after']).toBeUndefined();
  });

  it('runs guards before the breaker, so a refused request never counts', async () => {
    await request(app.getHttpServer()).get('/quotes/1').expect(403);

    expect(registry.get('quotes').stats().calls).toBe(0);
  });

  it('runs pipes before the breaker, so a bad parameter never counts', async () => {
    await getQuote('not-a-number').expect(400);
    await getQuote('not-a-number').expect(400);
    await getQuote('not-a-number').expect(400);

    expect(registry.get('quotes').state).toBe('closed');
    expect(registry.get('quotes').stats().calls).toBe(0);
  });

  it('answers with the fallback method once the circuit is open', async () => {
    await request(app.getHttpServer()).get('/quotes/cached/2').expect(500);
    await request(app.getHttpServer()).get('/quotes/cached/2').expect(500);

    await request(app.getHttpServer())
      .get('/quotes/cached/2')
      .expect(200, { id: 2, price: 0, stale: true });
    expect(registry.get('cached').stats().rejected).toBe(1);
  });

  describe('with @Retry()', () => {
    const getRetried = () => request(app.getHttpServer()).get('/quotes/retried/3');

    it('answers after a failed attempt, each attempt counted once by the breaker', async () => {
      downstream.flakyFailures = 1;

      await getRetried().expect(200, { id: 3, price: 30 });
      expect(downstream.calls).toBe(2);
      expect(registry.get('retried').stats()).toMatchObject({
        calls: 2,
        failures: 1,
        successes: 1,
      });
    });

    it('answers 503 with Retry-After when the circuit opens during the retries', async () => {
      downstream.flakyFailures = 10;

      const response = await getRetried().expect(503);

      expect(response.headers['retry-after']).toBe('5');
      expect(downstream.calls).toBe(2);
      expect(registry.get('retried').stats()).toMatchObject({ failures: 2, rejected: 1 });
    });

    it('runs pipes before the retries, so a bad parameter is neither retried nor counted', async () => {
      await request(app.getHttpServer()).get('/quotes/retried/x').expect(400);

      expect(registry.get('retried').stats().calls).toBe(0);
    });
  });
});
