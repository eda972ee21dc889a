import 'reflect-metadata';
import {
  Controller,
  Get,
  Injectable,
  NotFoundException,
  Param,
  ParseIntPipe,
  UseInterceptors,
} from '@nestjs/common';
import { CircuitOpenError, isCircuitOpenError } from '../../lib/core/index.js';
import {
  CircuitBreaker,
  type CircuitBreakerFallback,
  type CircuitBreakerFallbackContext,
  CircuitBreakerInterceptor,
  CircuitBreakerModule,
} from '../../lib/nest/index.js';
import { httpAdapters, shareHttpApp } from './http-app.js';

let now = 0;
const clock = () => now;

interface Price {
  id: number;
  price: number;
  source: string;
}

/** A price feed whose health each test sets; product 404 is not listed. */
@Injectable()
class PriceFeed {
  healthy = true;
  calls = 0;

  async price(id: number): Promise<Price> {
    this.calls++;

    if (id === 404) throw new NotFoundException(`product ${id} is not listed`);

    if (!this.healthy) throw new Error('price feed at 10.0.0.9 is down');

    return { id, price: 10 * id, source: 'live' };
  }
}

/** The last prices seen, which fallbacks answer with. */
@Injectable()
class PriceCache {
  lastKnown(id: number): number {
    return 7 * id;
  }
}

/** Answers from the cache it has injected, telling which call and which error it stood in for. */
@Injectable()
class CachedPriceFallback implements CircuitBreakerFallback<Price & Record<string, unknown>> {
  constructor(private readonly cache: PriceCache) {}

  handle(error: unknown, { breaker, className, methodName, args }: CircuitBreakerFallbackContext) {
    const id = args[0] as number;

    return {
      id,
      price: this.cache.lastKnown(id),
      source: 'fallback class',
      rejected: isCircuitOpenError(error),
      standsInFor: { breaker, className, methodName },
    };
  }
}

@Controller('prices')
@UseInterceptors(CircuitBreakerInterceptor)
class PricesController {
  constructor(
    private readonly feed: PriceFeed,
    private readonly cache: PriceCache,
  ) {}

  @Get('method/:id')
  @CircuitBreaker('by-method', { fallback: 'lastKnownPrice' })
  async byMethod(@Param('id', ParseIntPipe) id: number): Promise<Price> {
    return this.feed.price(id);
  }

  @Get('class/:id')
  @CircuitBreaker('by-class', { fallback: CachedPriceFallback })
  async byClass(@Param('id', ParseIntPipe) id: number): Promise<Price> {
    return this.feed.price(id);
  }

  @Get('on-failure/:id')
  @CircuitBreaker('on-failure', { fallback: 'lastKnownPrice', fallbackOn: 'failure' })
  async onFailure(@Param('id', ParseIntPipe) id: number): Promise<Price> {
    return this.feed.price(id);
  }

  lastKnownPrice(id: number, error: unknown): Price & { rejected: boolean } {
    return {
      id,
      price: this.cache.lastKnown(id),
      source: 'fallback method',
      rejected: isCircuitOpenError(error),
    };
  }
}

@Controller('status')
@UseInterceptors(CircuitBreakerInterceptor)
class StatusController {
  constructor(private readonly feed: PriceFeed) {}

  @Get()
  @CircuitBreaker('status')
  status(): { feed: string } {
    return this.feedStatus();
  }

  @Get('or-unknown')
  @CircuitBreaker('status-or-unknown', { fallback: 'unknownStatus' })
  statusOrUnknown(): { feed: string } {
    return this.feedStatus();
  }

  unknownStatus(): { feed: string } {
    return { feed: 'unknown' };
  }

  private feedStatus(): { feed: string } {
    if (!this.feed.healthy) throw new Error('price feed at 10.0.0.9 is down');

    return { feed: 'up' };
  }
}

describe.each(httpAdapters)('fallbacks over HTTP with %s', (_platform, createAdapter) => {
  const shared = shareHttpApp(
    {
      imports: [
        CircuitBreakerModule.forRoot({
          defaults: { maxFailures: 2, timeout: 5_000, clock },
          logging: false,
        }),
      ],
      controllers: [PricesController, StatusController],
      providers: [PriceFeed, PriceCache, CachedPriceFallback],
    },
    createAdapter,
  );
  const { get } = shared;
  let feed: PriceFeed;

  beforeEach(() => {
    feed = shared.app.get(PriceFeed);
    feed.healthy = true;
    feed.calls = 0;
  });

  describe('a fallback method of the same class, on rejections (the default)', () => {
    it('leaves a failure to the caller as an error', async () => {
      feed.healthy = false;

      await get('/prices/method/2').expect(500);
      expect(shared.registry.get('by-method').stats().failures).toBe(1);
    });

    it('answers with the arguments and the rejection once the circuit is open', async () => {
      feed.healthy = false;
      await get('/prices/method/2').expect(500);
      await get('/prices/method/2').expect(500);

      await get('/prices/method/2').expect(200, {
        id: 2,
        price: 14,
        source: 'fallback method',
        rejected: true,
      });
      expect(feed.calls).toBe(2);
    });
  });

  describe('an injectable CircuitBreakerFallback class', () => {
    it('answers once the circuit is open, with its own dependencies and the call context', async () => {
      feed.healthy = false;
      await get('/prices/class/3').expect(500);
      await get('/prices/class/3').expect(500);

      await get('/prices/class/3').expect(200, {
        id: 3,
        price: 21,
        source: 'fallback class',
        rejected: true,
        standsInFor: { breaker: 'by-class', className: 'PricesController', methodName: 'byClass' },
      });
      expect(feed.calls).toBe(2);
    });
  });

  describe("fallbackOn: 'failure'", () => {
    it('answers a failure from the fallback at once, still counting it as a failure', async () => {
      feed.healthy = false;

      await get('/prices/on-failure/4').expect(200, {
        id: 4,
        price: 28,
        source: 'fallback method',
        rejected: false,
      });
      expect(shared.registry.get('on-failure').stats()).toMatchObject({
        state: 'closed',
        failures: 1,
        consecutiveFailures: 1,
      });
    });

    it('opens the circuit on those failures, then answers the rejections too', async () => {
      feed.healthy = false;
      await get('/prices/on-failure/4').expect(200);
      await get('/prices/on-failure/4').expect(200);

      const response = await get('/prices/on-failure/4').expect(200);

      expect(response.body).toMatchObject({ source: 'fallback method', rejected: true });
      expect(shared.registry.get('on-failure').state).toBe('open');
      expect(feed.calls).toBe(2);
    });

    it('lets an error the breaker does not count as a failure reach the caller, such as a 404', async () => {
      await get('/prices/on-failure/404').expect(404);

      expect(shared.registry.get('on-failure').stats()).toMatchObject({ ignored: 1, failures: 0 });
    });
  });

  describe('a sync method', () => {
    it('serves the route through the breaker and stays sync for callers in code', async () => {
      await get('/status').expect(200, { feed: 'up' });

      const returned = shared.app.get(StatusController).status();

      expect(returned).toEqual({ feed: 'up' });
      expect(returned).not.toBeInstanceOf(Promise);
      expect(shared.registry.get('status').stats()).toMatchObject({ calls: 2, successes: 2 });
    });

    it('answers 503 with Retry-After once its circuit is open, thrown synchronously in code', async () => {
      feed.healthy = false;
      await get('/status').expect(500);
      await get('/status').expect(500);
      now += 1_000;

      const response = await get('/status').expect(503);

      expect(response.headers['retry-after']).toBe('4');
      expect(() => shared.app.get(StatusController).status()).toThrow(CircuitOpenError);
    });

    it('answers from a sync fallback method once its circuit is open', async () => {
      feed.healthy = false;
      await get('/status/or-unknown').expect(500);
      await get('/status/or-unknown').expect(500);

      await get('/status/or-unknown').expect(200, { feed: 'unknown' });
      expect(shared.app.get(StatusController).statusOrUnknown()).toEqual({ feed: 'unknown' });
    });
  });
});
