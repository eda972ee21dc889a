import type { INestApplication } from '@nestjs/common';

import { CircuitBreakerRegistry } from '../../lib/index.js';
import type { BreakerState } from '../../lib/index.js';
import { PIPELINE_SINK_BREAKER } from '../../sample-app/app.module.js';
import { recordFeed } from '../../sample-app/demo/record.feed.js';
import type { DownstreamServer } from '../../sample-app/downstream/downstream.server.js';
import {
  PIPELINE_SINK,
  RecordExportService,
} from '../../sample-app/records/record-export.service.js';
import { startSampleApp } from './sample-app.fixture.js';
import type { RunningSampleApp } from './sample-app.fixture.js';

describe('the record export', () => {
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

  const ids = (count: number) => Array.from({ length: count }, (_, id) => id);

  it('stores every record exactly once across an outage of the downstream', async () => {
    const registry = app.get(CircuitBreakerRegistry);
    const transitions: BreakerState[] = [];
    let circuitOpened!: () => void;
    const opened = new Promise<void>((resolve) => (circuitOpened = resolve));

    registry.on('state-change', ({ breaker, to }) => {
      if (breaker !== PIPELINE_SINK) return;

      transitions.push(to);

      if (to === 'open') circuitOpened();
    });

    // The downstream fails from record 20 on; once the circuit is open, the downstream recovers
    // and the breaker's clock moves past the open period, so record 30 on probe the circuit.
    const feed = recordFeed({
      records: 60,
      intervalMs: 0,
      beforeRecord: async (id) => {
        if (id === 20) downstream.setMode('failing');

        if (id === 30) {
          await opened;
          downstream.setMode('healthy');
          now += PIPELINE_SINK_BREAKER.timeout;
        }
      },
    });

    const report = await app.get(RecordExportService).export(feed, { workers: 4 });

    expect([...downstream.storedRecords].sort(([a], [b]) => a - b)).toEqual(
      ids(60).map((id) => [id, 1]),
    );

    const queued = report.queuedOnFailure + report.queuedWhileOpen;

    expect(report.sent).toBe(60);
    expect(report.storedFirstTry + queued).toBe(60);
    expect(report.queuedOnFailure).toBeGreaterThanOrEqual(1);
    expect(report.queuedWhileOpen).toBeGreaterThanOrEqual(1);
    expect(report.drainedAsProbes + report.drainedAfterClose).toBe(queued);
    expect(report.writeLatenciesMs.length).toBeGreaterThanOrEqual(60);
    expect(transitions.slice(0, 2)).toEqual(['open', 'half-open']);
    expect(transitions.at(-1)).toBe('closed');
    expect(registry.get(PIPELINE_SINK).state).toBe('closed');
  });

  it('stores every record once, first try, while the downstream is healthy', async () => {
    const report = await app.get(RecordExportService).export(
      ids(10).map((id) => ({ id })),
      { workers: 3 },
    );

    expect(report).toEqual({
      sent: 10,
      storedFirstTry: 10,
      queuedWhileOpen: 0,
      queuedOnFailure: 0,
      drainedAsProbes: 0,
      drainedAfterClose: 0,
      writeLatenciesMs: expect.any(Array),
    });
    expect(downstream.storedRecords.size).toBe(10);
  });

  it('shows its configured breaker on /metrics from the start, before any export', async () => {
    const names = () => [...app.get(CircuitBreakerRegistry)].map((breaker) => breaker.name);

    expect(names()).toContain(PIPELINE_SINK);
    expect((await running.request('/metrics')).text).toContain(
      'circuit_breaker_state{breaker="pipeline-sink",state="closed"} 1',
    );

    await app.get(RecordExportService).export([{ id: 1 }]);

    expect((await running.request('/metrics')).text).toContain(
      'circuit_breaker_calls_total{breaker="pipeline-sink",outcome="success"} 1',
    );
  });
});
