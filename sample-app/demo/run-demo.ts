import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';

import { CircuitBreakerRegistry } from '../../lib/index.js';
import { AppModule, DOWNSTREAM_BREAKER, PIPELINE_SINK_BREAKER } from '../app.module.js';
import { DownstreamServer } from '../downstream/downstream.server.js';
import { PIPELINE_SINK, RecordExportService } from '../records/record-export.service.js';
import { DEMO_INTERVAL_MS, DEMO_PHASES, DEMO_ROUTES, PIPELINE_PHASE } from './demo.phases.js';
import { ObservabilityProbe } from './observability.probe.js';
import { recordFeed } from './record.feed.js';
import { Timeline } from './timeline.printer.js';
import type { TimelineSettings } from './timeline.printer.js';
import { TrafficDriver } from './traffic.driver.js';

/** The metrics read after each phase: the breaker's current state. */
const PHASE_METRICS = ['circuit_breaker_state'];

/** The metrics read at the end: every transition and the calls by outcome. */
const FINAL_METRICS = ['circuit_breaker_transitions_total', 'circuit_breaker_calls_total'];

/**
 * Runs the demo: starts the downstream and the application on loopback, drives traffic through
 * every phase of {@link DEMO_PHASES} and prints the timeline, with what `/health` and `/metrics`
 * report after each phase and the metrics' counters at the end; then exports records through the
 * `pipeline-sink` breaker across a short outage (see {@link PIPELINE_PHASE}) and prints where they
 * went. Closes everything before it returns.
 *
 * @param write receives the timeline one line at a time
 */
export async function runDemo(write: (line: string) => void): Promise<void> {
  const downstream = new DownstreamServer();
  let app: INestApplication | undefined;

  try {
    const downstreamUrl = await downstream.start();
    app = await NestFactory.create(AppModule.forDownstream(downstreamUrl), { logger: false });
    await app.listen(0, '127.0.0.1');

    const timeline = new Timeline(write, {
      downstream: DOWNSTREAM_BREAKER,
      [PIPELINE_SINK]: PIPELINE_SINK_BREAKER,
    });
    const registry = app.get(CircuitBreakerRegistry);
    registry.on('failure', (event) => timeline.failure(event.breaker, event.error));
    registry.on('state-change', (event) => timeline.transition(event));

    const baseUrl = await app.getUrl();
    const driver = new TrafficDriver({
      baseUrl,
      routes: DEMO_ROUTES,
      intervalMs: DEMO_INTERVAL_MS,
    });
    const probe = new ObservabilityProbe(baseUrl);

    write(
      `${describeBreaker('downstream', DOWNSTREAM_BREAKER)}; ` +
        `GET ${DEMO_ROUTES.join(' and GET ')} in turn, one every ${DEMO_INTERVAL_MS} ms`,
    );
    write(`while it runs: ${probe.metricsUrl} and ${probe.healthUrl}`);

    for (const [index, phase] of DEMO_PHASES.entries()) {
      downstream.setMode(phase.mode);
      timeline.startPhase(index + 1, DEMO_PHASES.length, phase.name, phase.description);
      timeline.endPhase(await driver.run(phase.requests));
      timeline.health(await probe.readHealth());
      timeline.samples(await probe.readSamples(PHASE_METRICS, 'downstream'));
    }

    const breaker = registry.get('downstream');
    write('');
    write(`final state: ${breaker.state}; ${breaker.stats().rejected} calls rejected in all`);
    timeline.samples(await probe.readSamples(FINAL_METRICS, 'downstream'));

    write('');
    await exportRecords(app.get(RecordExportService), downstream, timeline, write);
    timeline.samples(await probe.readSamples(FINAL_METRICS, PIPELINE_SINK));
  } finally {
    await app?.close();
    await downstream.close();
  }
}

/**
 * Exports the records of {@link PIPELINE_PHASE}, failing the downstream for some of them, and
 * prints where they went and what the downstream holds.
 */
async function exportRecords(
  exporter: RecordExportService,
  downstream: DownstreamServer,
  timeline: Timeline,
  write: (line: string) => void,
): Promise<void> {
  const { records, intervalMs, workers, failingFrom, healthyFrom } = PIPELINE_PHASE;

  write(
    `pipeline   ${records} records, one every ${intervalMs} ms, ${workers} workers, ` +
      `POST /records through breaker "${PIPELINE_SINK}"`,
  );
  write(`  ${describeBreaker(PIPELINE_SINK, PIPELINE_SINK_BREAKER)}`);
  write(`  the downstream answers 500 while records ${failingFrom} to ${healthyFrom - 1} arrive`);

  const feed = recordFeed({
    records,
    intervalMs,
    beforeRecord: (id) => {
      if (id === failingFrom) downstream.setMode('failing');

      if (id === healthyFrom) downstream.setMode('healthy');
    },
  });
  const report = await exporter.export(feed, { workers });

  timeline.exportSummary(report, downstream.storedRecords);
}

function describeBreaker(name: string, settings: TimelineSettings): string {
  const { maxFailures, timeout, maxRequests, callTimeout } = settings;

  return (
    `breaker "${name}": maxFailures ${maxFailures}, timeout ${timeout} ms, ` +
    `maxRequests ${maxRequests}, callTimeout ${callTimeout} ms`
  );
}
