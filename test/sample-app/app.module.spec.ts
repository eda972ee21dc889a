import { setImmediate as nextTurn } from 'node:timers/promises';

import type { INestApplication } from '@nestjs/common';

import { CircuitBreakerRegistry } from '../../lib/index.js';
import type { DownstreamServer } from '../../sample-app/downstream/downstream.server.js';
import { openTheCircuit, startSampleApp } from './sample-app.fixture.js';
import type { RunningSampleApp } from './sample-app.fixture.js';

describe('the sample application', () => {
  let running: RunningSampleApp;
  let downstream: DownstreamServer;
  let app: INestApplication;

  beforeEach(async () => {
    running = await startSampleApp();
    ({ downstream, app } = running);
  });

  afterEach(() => running.close());

  async function get(path: string) {
    const { status, headers, text } = await running.request(path);

    return {
      status,
      retryAfter: headers.get('retry-after'),
      body: JSON.parse(text) as Record<string, unknown>,
    };
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
    await openTheCircuit(running);

    expect(app.get(CircuitBreakerRegistry).get('downstream').state).toBe('open');
  });

  it('answers 503 with Retry-After for stock while the circuit is open', async () => {
    await openTheCircuit(running);
    const requestsBefore = downstream.requests;

    const rejected = await get('/stock');

    expect(rejected.status).toBe(503);
    expect(rejected.retryAfter).toBe('1');
    expect(JSON.stringify(rejected.body)).not.toMatch(/downstream/i);
    expect(downstream.requests).toBe(requestsBefore);
  });

  it('keeps serving cached quotes while the circuit is open', async () => {
    await get('/quote');
    await openTheCircuit(running);

    expect(await get('/quote')).toMatchObject({ status: 200, body: { source: 'cache' } });
  });

  it('answers 504 when the downstream does not answer within the call timeout', async () => {
    downstream.setMode('hanging');

    const timedOut = await get('/stock');

    expect(timedOut.status).toBe(504);
    expect(app.get(CircuitBreakerRegistry).get('downstream').stats().failures).toBe(1);
  });

  it('aborts the downstream request that outlived the call timeout', async () => {
    downstream.setMode('hanging');

    expect((await get('/stock')).status).toBe(504);

    while (downstream.hanging > 0) {
      await nextTurn();
    }

    expect(downstream.hanging).toBe(0);
  });
});
