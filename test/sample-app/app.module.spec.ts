import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';

import { CircuitBreakerRegistry } from '../../lib/index.js';
import { AppModule } from '../../sample-app/app.module.js';
import { DownstreamServer } from '../../sample-app/downstream/downstream.server.js';

describe('the sample application', () => {
  let downstream: DownstreamServer;
  let app: INestApplication;
  let baseUrl: string;

  beforeEach(async () => {
    downstream = new DownstreamServer();
    const downstreamUrl = await downstream.start();
    const moduleRef = await Test.createTestingModule({
      imports: [AppModule.forDownstream(downstreamUrl)],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.listen(0, '127.0.0.1');
    baseUrl = await app.getUrl();
  });

  afterEach(async () => {
    await app.close();
    await downstream.close();
  });

  async function get(path: string) {
    const response = await fetch(`${baseUrl}${path}`);

    return {
      status: response.status,
      retryAfter: response.headers.get('retry-after'),
      body: (await response.json()) as Record<string, unknown>,
    };
  }

  async function openTheCircuit(): Promise<void> {
    downstream.setMode('failing');

    for (let count = 0; count < 3; count++) {
      await get('/stock');
    }
  }

  it('serves live quotes and stock levels while the downstream is healthy', async () => {
    const quote = await get('/quote');
    const stock = await get('/stock');

    expect(quote).toMatchObject({ status: 200, body: { symbol: 'ACME', source: 'live' } });
    expect(stock).toMatchObject({ status: 200, body: { sku: 'widget', available: 42 } });
  });

  it('answers 502 when the downstream fails and the method has no fallback', async () => {
    downstream.setMode('failing');

    expect((await get('/stock')).status).toBe(502);
  });

  it('serves the cached quote when the downstream fails', async () => {
    const live = await get('/quote');
    downstream.setMode('failing');

    const cached = await get('/quote');

    expect(cached).toMatchObject({ status: 200, body: { source: 'cache' } });
    expect(cached.body.price).toBe(live.body.price);
  });

  it('answers 503 when no quote was ever cached', async () => {
    downstream.setMode('failing');

    expect((await get('/quote')).status).toBe(503);
  });

  it('opens the downstream breaker after three failures in a row', async () => {
    await openTheCircuit();

    expect(app.get(CircuitBreakerRegistry).get('downstream').state).toBe('open');
  });

  it('answers 503 with Retry-After for stock while the circuit is open', async () => {
    await openTheCircuit();
    const requestsBefore = downstream.requests;

    const rejected = await get('/stock');

    expect(rejected.status).toBe(503);
    expect(rejected.retryAfter).toBe('1');
    expect(JSON.stringify(rejected.body)).not.toMatch(/downstream/i);
    expect(downstream.requests).toBe(requestsBefore);
  });

  it('keeps serving cached quotes while the circuit is open', async () => {
    await get('/quote');
    await openTheCircuit();

    expect(await get('/quote')).toMatchObject({ status: 200, body: { source: 'cache' } });
  });

  it('answers 504 when the downstream does not answer within the call timeout', async () => {
    downstream.setMode('hanging');

    const timedOut = await get('/stock');

    expect(timedOut.status).toBe(504);
    expect(app.get(CircuitBreakerRegistry).get('downstream').stats().failures).toBe(1);
  });
});
