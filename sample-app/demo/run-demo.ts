import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';

import { CircuitBreakerRegistry } from '../../lib/index.js';
import { AppModule, DOWNSTREAM_BREAKER } from '../app.module.js';
import { DownstreamServer } from '../downstream/downstream.server.js';
import { DEMO_INTERVAL_MS, DEMO_PHASES, DEMO_ROUTES } from './demo.phases.js';
import { Timeline } from './timeline.printer.js';
import { TrafficDriver } from './traffic.driver.js';

/**
 * Runs the demo: starts the downstream and the application on loopback, drives traffic through
 * every phase of {@link DEMO_PHASES} and prints the timeline. Closes everything before it returns.
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

    const driver = new TrafficDriver({
      baseUrl: await app.getUrl(),
      routes: DEMO_ROUTES,
      intervalMs: DEMO_INTERVAL_MS,
    });

    write(describeSetup());

    for (const [index, phase] of DEMO_PHASES.entries()) {
      downstream.setMode(phase.mode);
      timeline.startPhase(index + 1, DEMO_PHASES.length, phase.name, phase.description);
      timeline.endPhase(await driver.run(phase.requests));
    }

    const breaker = registry.get('downstream');
    write('');
    write(`final state: ${breaker.state}; ${breaker.stats().rejected} calls rejected in all`);
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
