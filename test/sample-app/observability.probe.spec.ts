import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import {
  ObservabilityProbe,
  breakerStates,
  nonZeroSamples,
} from '../../sample-app/demo/observability.probe.js';

const EXPOSITION = [
  '# HELP circuit_breaker_state State of the circuit breaker.',
  '# TYPE circuit_breaker_state gauge',
  'circuit_breaker_state{breaker="downstream",state="closed"} 0',
  'circuit_breaker_state{breaker="downstream",state="open"} 1',
  '',
  '# TYPE circuit_breaker_transitions_total counter',
  'circuit_breaker_transitions_total{breaker="downstream",from="closed",to="open"} 1',
  '# TYPE circuit_breaker_state_extra gauge',
  'circuit_breaker_state_extra{breaker="downstream"} 3',
  'circuit_breaker_state_extra{breaker="search"} 2',
  '',
].join('\n');

const DOWN_REPORT = {
  status: 'error',
  info: {},
  error: { 'circuit-breakers': { status: 'down', breakers: { downstream: { state: 'open' } } } },
  details: {
    'circuit-breakers': {
      status: 'down',
      breakers: { downstream: { state: 'open', retryAfter: 640 }, search: { state: 'closed' } },
    },
    disk: { status: 'up' },
  },
};

describe('nonZeroSamples', () => {
  it('keeps the samples of the metric whose value is not 0, in order', () => {
    expect(nonZeroSamples(EXPOSITION, 'circuit_breaker_state')).toEqual([
      'circuit_breaker_state{breaker="downstream",state="open"} 1',
    ]);
    expect(nonZeroSamples(EXPOSITION, 'circuit_breaker_transitions_total')).toEqual([
      'circuit_breaker_transitions_total{breaker="downstream",from="closed",to="open"} 1',
    ]);
  });

  it('finds nothing for a metric the exposition does not hold', () => {
    expect(nonZeroSamples(EXPOSITION, 'circuit_breaker_calls_total')).toEqual([]);
  });
});

describe('breakerStates', () => {
  it('collects the state of every breaker from the details of a health report', () => {
    expect(breakerStates(DOWN_REPORT)).toEqual({ downstream: 'open', search: 'closed' });
  });

  it('gives no states for a body that is not a health report', () => {
    expect(breakerStates(undefined)).toEqual({});
    expect(breakerStates({ details: 'none' })).toEqual({});
  });
});

describe('ObservabilityProbe', () => {
  let server: Server;
  let baseUrl: string;
  let metricsStatus: number;

  beforeAll(async () => {
    server = createServer((request, response) => {
      if (request.url === '/health') {
        response.writeHead(503, { 'content-type': 'application/json' });
        response.end(JSON.stringify(DOWN_REPORT));

        return;
      }

      response.writeHead(metricsStatus, { 'content-type': 'text/plain' });
      response.end(EXPOSITION);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  beforeEach(() => {
    metricsStatus = 200;
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('names the URLs of the metrics and the health check', () => {
    const probe = new ObservabilityProbe(baseUrl);

    expect(probe.metricsUrl).toBe(`${baseUrl}/metrics`);
    expect(probe.healthUrl).toBe(`${baseUrl}/health`);
  });

  it('reads the status of the health check and the breaker states', async () => {
    const reading = await new ObservabilityProbe(baseUrl).readHealth();

    expect(reading).toEqual({ status: 503, breakers: { downstream: 'open', search: 'closed' } });
  });

  it('reads the samples of several metrics in the order asked', async () => {
    const samples = await new ObservabilityProbe(baseUrl).readSamples([
      'circuit_breaker_transitions_total',
      'circuit_breaker_state',
    ]);

    expect(samples).toEqual([
      'circuit_breaker_transitions_total{breaker="downstream",from="closed",to="open"} 1',
      'circuit_breaker_state{breaker="downstream",state="open"} 1',
    ]);
  });

  it('keeps only the samples of one breaker when asked', async () => {
    const samples = await new ObservabilityProbe(baseUrl).readSamples(
      ['circuit_breaker_state_extra'],
      'search',
    );

    expect(samples).toEqual(['circuit_breaker_state_extra{breaker="search"} 2']);
  });

  it('fails when the metrics endpoint does not answer 200', async () => {
    metricsStatus = 500;

    await expect(
      new ObservabilityProbe(baseUrl).readSamples(['circuit_breaker_state']),
    ).rejects.toThrow(/\/metrics answered 500/);
  });
});
