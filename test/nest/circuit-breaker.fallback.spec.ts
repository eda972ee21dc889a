import 'reflect-metadata';
import { BadRequestException, Injectable, Module } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { lastValueFrom, type Observable, throwError } from 'rxjs';
import type {
  CircuitBreakerFallback,
  CircuitBreakerFallbackContext,
} from '../../lib/nest/circuit-breaker-fallback.interface.js';
import { CircuitBreaker } from '../../lib/nest/circuit-breaker.decorator.js';
import { CircuitBreakerModule } from '../../lib/nest/circuit-breaker.module.js';
import { CircuitBreakerRegistry } from '../../lib/nest/circuit-breaker.registry.js';

@Injectable()
class StaleQuoteFallback implements CircuitBreakerFallback<string> {
  readonly seen: { error: unknown; context: CircuitBreakerFallbackContext }[] = [];

  handle(error: unknown, context: CircuitBreakerFallbackContext): string {
    this.seen.push({ error, context });

    return 'stale quote';
  }
}

@Module({ providers: [StaleQuoteFallback], exports: [StaleQuoteFallback] })
class FallbacksModule {}

@Injectable()
class QuotesService {
  error: unknown = new Error('pricing is down');

  @CircuitBreaker('by-method', { fallback: 'cachedQuote' })
  async quote(_symbol: string, _currency: string): Promise<string> {
    throw this.error;
  }

  cachedQuote(symbol: string, currency: string, error: unknown): string {
    return `cached ${symbol} in ${currency} after ${(error as Error).name}`;
  }

  @CircuitBreaker('by-class', { fallback: StaleQuoteFallback })
  async classQuote(_symbol: string): Promise<string> {
    throw this.error;
  }

  @CircuitBreaker('on-failure', { fallback: 'cachedQuote', fallbackOn: 'failure' })
  async failureQuote(_symbol: string, _currency: string): Promise<string> {
    throw this.error;
  }

  @CircuitBreaker('on-any', { fallback: 'cachedQuote', fallbackOn: 'any' })
  async anyQuote(_symbol: string, _currency: string): Promise<string> {
    throw this.error;
  }

  @CircuitBreaker('sync', { fallback: 'syncFallback' })
  syncQuote(): number {
    throw this.error;
  }

  syncFallback(): number {
    return -1;
  }

  @CircuitBreaker('stream', { fallback: 'streamFallback', fallbackOn: 'failure' })
  streamQuote(): Observable<string> {
    return throwError(() => this.error);
  }

  streamFallback(): Promise<string> {
    return Promise.resolve('stream fallback');
  }
}

describe('fallbacks', () => {
  let moduleRef: TestingModule;
  let quotes: QuotesService;
  let registry: CircuitBreakerRegistry;

  beforeEach(async () => {
    moduleRef = await Test.createTestingModule({
      imports: [
        CircuitBreakerModule.forRoot({ defaults: { maxFailures: 1 }, logging: false }),
        FallbacksModule,
      ],
      providers: [QuotesService],
    }).compile();
    await moduleRef.init();
    quotes = moduleRef.get(QuotesService);
    registry = moduleRef.get(CircuitBreakerRegistry);
  });

  afterEach(() => moduleRef.close());

  describe("with fallbackOn: 'rejection' (the default)", () => {
    it('passes failures on to the caller', async () => {
      await expect(quotes.quote('ACME', 'EUR')).rejects.toThrow('pricing is down');
    });

    it('answers rejections with the method, given the arguments and the error', async () => {
      await quotes.quote('ACME', 'EUR').catch(() => undefined);

      await expect(quotes.quote('ACME', 'EUR')).resolves.toBe(
        'cached ACME in EUR after CircuitOpenError',
      );
    });

    it('answers rejections with an injectable class from another module', async () => {
      await quotes.classQuote('ACME').catch(() => undefined);

      await expect(quotes.classQuote('ACME')).resolves.toBe('stale quote');

      const [{ error, context }] = moduleRef.get(StaleQuoteFallback).seen;

      expect(error).toMatchObject({ name: 'CircuitOpenError', breaker: 'by-class' });
      expect(context).toEqual({
        breaker: 'by-class',
        className: 'QuotesService',
        methodName: 'classQuote',
        args: ['ACME'],
      });
    });

    it('keeps a sync method sync', () => {
      expect(() => quotes.syncQuote()).toThrow('pricing is down');
      expect(quotes.syncQuote()).toBe(-1);
    });
  });

  describe("with fallbackOn: 'failure'", () => {
    it('answers errors the breaker counts as failures', async () => {
      await expect(quotes.failureQuote('ACME', 'EUR')).resolves.toBe(
        'cached ACME in EUR after Error',
      );
      expect(registry.get('on-failure').stats().failures).toBe(1);
    });

    it('passes on errors the breaker ignores', async () => {
      quotes.error = new BadRequestException('unknown symbol');

      await expect(quotes.failureQuote('ACME', 'EUR')).rejects.toThrow('unknown symbol');
      expect(registry.get('on-failure').stats().ignored).toBe(1);
    });

    it('answers an Observable method with an Observable of the fallback', async () => {
      await expect(lastValueFrom(quotes.streamQuote())).resolves.toBe('stream fallback');
      expect(registry.get('stream').stats().failures).toBe(1);
    });
  });

  describe("with fallbackOn: 'any'", () => {
    it('answers every error, ignored ones included', async () => {
      quotes.error = new BadRequestException('unknown symbol');

      await expect(quotes.anyQuote('ACME', 'EUR')).resolves.toBe(
        'cached ACME in EUR after BadRequestException',
      );
    });
  });
});
