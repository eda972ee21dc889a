import { jest } from '@jest/globals';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { once } from 'node:events';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';

import type { INestApplication } from '@nestjs/common';

import { CircuitBreakerRegistry } from '../../lib/index.js';
import { DOWNSTREAM_BREAKER } from '../../sample-app/app.module.js';
import type { DownstreamServer } from '../../sample-app/downstream/downstream.server.js';
import { openTheCircuit, startSampleApp } from './sample-app.fixture.js';
import type { RunningSampleApp } from './sample-app.fixture.js';

/** What Node.js publishes on `http.server.request.start` for each request a server receives. */
interface RequestStart {
  request: IncomingMessage;
  response: ServerResponse;
  server: Server;
}

/**
 * Resolves with the downstream's response to the next request it receives, once the request is
 * read to the end: the moment a hanging downstream holds it. Requests to the application itself
 * are skipped.
 */
function nextDownstreamExchange(app: INestApplication): Promise<ServerResponse> {
  const appServer: unknown = app.getHttpServer();

  return new Promise((resolve) => {
    const onRequestStart = (message: unknown) => {
      const { request, response, server } = message as RequestStart;

      if (server === appServer) return;

      unsubscribe('http.server.request.start', onRequestStart);
      // Added before the downstream's own 'end' listener, which runs in the same emit and holds
      // the request before this promise's continuation runs.
      request.once('end', () => resolve(response));
    };

    subscribe('http.server.request.start', onRequestStart);
  });
}

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

  describe('with a downstream that does not answer', () => {
    const { callTimeout } = DOWNSTREAM_BREAKER;

    beforeEach(() => {
      downstream.setMode('hanging');
      jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    });

    afterEach(() => jest.useRealTimers());

    it('answers 504 once the call timeout has passed, counting a failure', async () => {
      const breaker = app.get(CircuitBreakerRegistry).get('downstream');
      const held = nextDownstreamExchange(app);
      const answer = get('/stock');
      await held;

      jest.advanceTimersByTime(callTimeout - 1);
      expect(breaker.stats()).toMatchObject({ inFlight: 1, failures: 0 });
      jest.advanceTimersByTime(1);

      expect((await answer).status).toBe(504);
      expect(breaker.stats()).toMatchObject({ inFlight: 0, failures: 1 });
    });

    it('aborts the downstream request that outlived the call timeout', async () => {
      const held = nextDownstreamExchange(app);
      const answer = get('/stock');
      const downstreamResponse = await held;
      const released = once(downstreamResponse, 'close');
      expect(downstream.hanging).toBe(1);

      jest.advanceTimersByTime(callTimeout);

      expect((await answer).status).toBe(504);
      await released;
      expect(downstreamResponse.writableFinished).toBe(false);
      expect(downstream.hanging).toBe(0);
    });
  });
});
