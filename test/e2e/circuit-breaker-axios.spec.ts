import 'reflect-metadata';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpModule, HttpService } from '@nestjs/axios';
import { Injectable } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import type { AxiosResponse } from 'axios';
import { catchError, lastValueFrom, map, Observable, of } from 'rxjs';
import { isCircuitOpenError } from '../../lib/core/index.js';
import { CircuitBreaker } from '../../lib/nest/circuit-breaker.decorator.js';
import { CircuitBreakerModule } from '../../lib/nest/circuit-breaker.module.js';
import { CircuitBreakerRegistry } from '../../lib/nest/circuit-breaker.registry.js';

/** Where the catalog service listens; set once the loopback server is up. */
const catalog = { url: '', healthy: true, requests: 0 };

@Injectable()
class CatalogClient {
  constructor(private readonly http: HttpService) {}

  @CircuitBreaker('catalog.typed')
  typed(): Observable<AxiosResponse<{ sku: string }>> {
    return this.http.get<{ sku: string }>(`${catalog.url}/items/A-1`);
  }

  // No declared return type, as HttpService calls are often written.
  @CircuitBreaker('catalog.untyped')
  untyped() {
    return this.http.get<{ sku: string }>(`${catalog.url}/items/A-1`).pipe(map((r) => r.data));
  }
}

describe('@CircuitBreaker() on @nestjs/axios HttpService calls over loopback', () => {
  let server: Server;
  let moduleRef: TestingModule;
  let client: CatalogClient;
  let registry: CircuitBreakerRegistry;

  beforeAll(async () => {
    server = createServer((_request, response) => {
      catalog.requests++;
      response.statusCode = catalog.healthy ? 200 : 500;
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ sku: 'A-1' }));
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    catalog.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.close();
    server.closeAllConnections();
    await once(server, 'close');
  });

  beforeEach(async () => {
    catalog.healthy = true;
    catalog.requests = 0;
    moduleRef = await Test.createTestingModule({
      imports: [
        HttpModule,
        CircuitBreakerModule.forRoot({ defaults: { maxFailures: 2 }, logging: false }),
      ],
      providers: [CatalogClient],
    }).compile();
    await moduleRef.init();
    client = moduleRef.get(CatalogClient);
    registry = moduleRef.get(CircuitBreakerRegistry);
  });

  afterEach(() => moduleRef.close());

  /** Subscribes to `source` and resolves with its last value, or with what it errored with. */
  const outcome = (source: Observable<unknown>) =>
    lastValueFrom(source.pipe(catchError((error: unknown) => of(error))));

  it.each([
    ['declared to return an Observable', 'typed', 'catalog.typed'],
    ['without a declared return type', 'untyped', 'catalog.untyped'],
  ] as const)(
    'sends nothing while open and errors the subscriber, for a method %s',
    async (_declared, method, breakerName) => {
      await expect(outcome(client[method]())).resolves.not.toBeInstanceOf(Error);

      catalog.healthy = false;
      await outcome(client[method]());
      await outcome(client[method]());

      const requestsBefore = catalog.requests;
      const rejected = client[method]();

      expect(rejected).toBeInstanceOf(Observable);
      expect(isCircuitOpenError(await outcome(rejected))).toBe(true);
      expect(catalog.requests).toBe(requestsBefore);
      expect(registry.get(breakerName).stats()).toMatchObject({
        state: 'open',
        failures: 2,
        rejected: 1,
      });
    },
  );
});
