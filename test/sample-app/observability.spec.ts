import type { INestApplication } from '@nestjs/common';
import type { Registry } from 'prom-client';

import { CircuitBreakerRegistry } from '../../lib/index.js';
import { DOWNSTREAM_BREAKER } from '../../sample-app/app.module.js';
import type { DownstreamServer } from '../../sample-app/downstream/downstream.server.js';
import { METRICS_REGISTRY } from '../../sample-app/metrics/metrics.controller.js';
import { openTheCircuit, startSampleApp } from './sample-app.fixture.js';
import type { RunningSampleApp } from './sample-app.fixture.js';

describe("the sample application's metrics and health check", () => {
  let running: RunningSampleApp;
  let downstream: DownstreamServer;
  let app: INestApplication;
  let now: number;

  beforeEach(async () => {
    now = 1_000_000;
    running = await startSampleApp({ clock: () => now });
    ({ downstream, app } = running);
  });

  afterEach(() => running.close());

  async function health() {
    const { status, text } = await running.request('/health');

    return { status, body: JSON.parse(text) as Record<string, unknown> };
  }

  function breaker() {
    return app.get(CircuitBreakerRegistry).get('downstream');
  }

  describe('GET /metrics', () => {
    it('answers in the Prometheus text format of its own registry', async () => {
      const metrics = await running.request('/metrics');

      expect(metrics.status).toBe(200);
      expect(metrics.headers.get('content-type')).toBe(
        app.get<Registry>(METRICS_REGISTRY).contentType,
      );
      expect(metrics.text).toContain('# TYPE circuit_breaker_state gauge');
    });

    it('shows the downstream breaker closed and counts its calls', async () => {
      await running.request('/quote');
      await running.request('/stock');

      const { text } = await running.request('/metrics');

      expect(text).toContain('circuit_breaker_state{breaker="downstream",state="closed"} 1');
      expect(text).toContain('circuit_breaker_state{breaker="downstream",state="open"} 0');
      expect(text).toContain(
        'circuit_breaker_calls_total{breaker="downstream",outcome="success"} 2',
      );
    });

    it('shows the open state and the transition once the circuit opens', async () => {
      await openTheCircuit(running);
      await running.request('/stock');

      const { text } = await running.request('/metrics');

      expect(text).toContain('circuit_breaker_state{breaker="downstream",state="open"} 1');
      expect(text).toContain(
        'circuit_breaker_transitions_total{breaker="downstream",from="closed",to="open"} 1',
      );
      expect(text).toContain(
        'circuit_breaker_calls_total{breaker="downstream",outcome="rejected"} 1',
      );
    });

    it('gives every application its own registry, so two can run in one process', async () => {
      const second = await startSampleApp();

      try {
        expect(second.app.get(METRICS_REGISTRY)).not.toBe(app.get(METRICS_REGISTRY));
        expect((await second.request('/metrics')).status).toBe(200);
      } finally {
        await second.close();
      }
    });
  });

  describe('GET /health', () => {
    it('answers 200 with the breaker closed while the downstream is healthy', async () => {
      await running.request('/stock');

      expect(await health()).toEqual({
        status: 200,
        body: expect.objectContaining({
          status: 'ok',
          details: {
            'circuit-breakers': { status: 'up', breakers: { downstream: { state: 'closed' } } },
          },
        }),
      });
    });

    it('answers 503 while failures hold the circuit open', async () => {
      await openTheCircuit(running);

      const { status, body } = await health();

      expect(status).toBe(503);
      expect(body).toMatchObject({
        status: 'error',
        error: {
          'circuit-breakers': {
            status: 'down',
            breakers: { downstream: { state: 'open', retryAfter: DOWNSTREAM_BREAKER.timeout } },
          },
        },
      });
    });

    it('answers 503 while the circuit is forced open', async () => {
      breaker().forceOpen();

      const { status, body } = await health();

      expect(status).toBe(503);
      expect(body).toMatchObject({
        error: { 'circuit-breakers': { breakers: { downstream: { state: 'forced-open' } } } },
      });
    });

    it('answers 200 once the open period has passed and probes get through', async () => {
      await openTheCircuit(running);
      now += DOWNSTREAM_BREAKER.timeout;

      const { status, body } = await health();

      expect(status).toBe(200);
      expect(body).toMatchObject({
        details: { 'circuit-breakers': { breakers: { downstream: { state: 'half-open' } } } },
      });
    });

    it('answers 200 again after the probes close the circuit', async () => {
      await openTheCircuit(running);
      now += DOWNSTREAM_BREAKER.timeout;
      downstream.setMode('healthy');

      for (let count = 0; count < DOWNSTREAM_BREAKER.maxRequests; count++) {
        await running.request('/stock');
      }

      expect(breaker().state).toBe('closed');
      expect((await health()).status).toBe(200);
    });

    it('answers 200 again after the forced-open circuit is reset', async () => {
      breaker().forceOpen();
      breaker().reset();

      expect((await health()).status).toBe(200);
    });
  });
});
