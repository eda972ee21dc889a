import { DOWNSTREAM_BREAKER, PIPELINE_SINK_BREAKER } from '../../sample-app/app.module.js';
import {
  DEMO_INTERVAL_MS,
  DEMO_PHASES,
  PIPELINE_PHASE,
} from '../../sample-app/demo/demo.phases.js';

describe('the demo script', () => {
  it('ends every open period halfway between two requests', () => {
    const intervals = DOWNSTREAM_BREAKER.timeout / DEMO_INTERVAL_MS;

    expect(intervals % 1).toBe(0.5);
  });

  it('goes through the healthy, failing, hanging and recovering phases in order', () => {
    expect(DEMO_PHASES.map((phase) => [phase.name, phase.mode])).toEqual([
      ['healthy', 'healthy'],
      ['failing', 'failing'],
      ['hanging', 'hanging'],
      ['recovering', 'healthy'],
    ]);
  });

  it('sends enough failing requests to open the circuit', () => {
    const failing = DEMO_PHASES.find((phase) => phase.name === 'failing');

    expect(failing?.requests).toBeGreaterThan(DOWNSTREAM_BREAKER.maxFailures);
  });

  it('stays within a few seconds of traffic', () => {
    const requests = DEMO_PHASES.reduce((sum, phase) => sum + phase.requests, 0);

    expect(requests * DEMO_INTERVAL_MS + DOWNSTREAM_BREAKER.callTimeout).toBeLessThan(5_000);
  });
});

describe("the demo's record export", () => {
  const { records, intervalMs, failingFrom, healthyFrom } = PIPELINE_PHASE;
  const { maxFailures, maxRequests, timeout } = PIPELINE_SINK_BREAKER;

  it('ends the open period halfway between two records', () => {
    expect((timeout / intervalMs) % 1).toBe(0.5);
  });

  it('fails for enough records to open the circuit, and recovers before it half-opens', () => {
    const failing = healthyFrom - failingFrom;

    expect(failing).toBeGreaterThanOrEqual(maxFailures);
    expect(failing * intervalMs).toBeLessThan(timeout);
  });

  it('sends enough records after the open period to probe and close the circuit', () => {
    const firstAfterOpen = failingFrom + Math.ceil(timeout / intervalMs) + 1;

    expect(records - firstAfterOpen).toBeGreaterThan(maxRequests);
  });

  it('stays within a few seconds', () => {
    expect(records * intervalMs).toBeLessThan(3_000);
  });
});
