import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';

import { CircuitBreakerRegistry } from '../../lib/index.js';
import { AppModule, DOWNSTREAM_BREAKER } from '../app.module.js';
import { DownstreamServer } from '../downstream/downstream.server.js';
import { DEMO_INTERVAL_MS, DEMO_PHASES, DEMO_ROUTES } from './demo.phases.js';
import { ObservabilityProbe } from './observability.probe.js';
import { Timeline } from './timeline.printer.js';
import { TrafficDriver } from './traffic.driver.js';

/** The metrics read after each phase: the breaker's current state. */
const PHASE_METRICS = ['circuit_breaker_state'];

/** The metrics read at the end: every transition and the calls by outcome. */
const FINAL_METRICS = ['circuit_breaker_transitions_total', 'circuit_breaker_calls_total'];

/**
 * Runs the demo: starts the downstream and the application on loopback, drives traffic through
 * every phase of {@link DEMO_PHASES} and prints the timeline, with what `/health` and `/metrics`
 * report after each phase and the metrics' counters at the end. Closes everything before it
 * returns.
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

    const timeline = new Timeline(write, DOWNSTREAM_BREAKER);
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

    write(describeSetup());
    write(`while it runs: ${probe.metricsUrl} and ${probe.healthUrl}`);

    for (const [index, phase] of DEMO_PHASES.entries()) {
      downstream.setMode(phase.mode);
      timeline.startPhase(index + 1, DEMO_PHASES.length, phase.name, phase.description);
      timeline.endPhase(await driver.run(phase.requests));
      timeline.health(await probe.readHealth());
      timeline.samples(await probe.readSamples(PHASE_METRICS));
    }

    const breaker = registry.get('downstream');
    write('');
    write(`final state: ${breaker.state}; ${breaker.stats().rejected} calls rejected in all`);
    timeline.samples(await probe.readSamples(FINAL_METRICS));
  } finally {
    await app?.close();
    await downstream.close();
  }
}

function describeSetup(): string {
  const { maxFailures, timeout, maxRequests, callTimeout } = DOWNSTREAM_BREAKER;

  return (
    `breaker "downstream": maxFailures ${maxFailures}, timeout ${timeout} ms, ` +
    `maxRequests ${maxRequests}, callTimeout ${callTimeout} ms; ` +
    `GET ${DEMO_ROUTES.join(' and GET ')} in turn, one every ${DEMO_INTERVAL_MS} ms`
  );
}
