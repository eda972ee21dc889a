import type { DownstreamMode } from '../downstream/downstream.server.js';

/** One stretch of the demo: how the downstream behaves and how many requests are sent. */
export interface DemoPhase {
  name: string;
  mode: DownstreamMode;
  requests: number;
  description: string;
}

/**
 * Milliseconds between request starts. The open duration (1000 ms) is twelve and a half
 * intervals, so the end of every open period falls between two requests, never on one, and the
 * counts below come out the same from run to run.
 */
export const DEMO_INTERVAL_MS = 80;

/** The routes requested in turn. */
export const DEMO_ROUTES = ['/quote', '/stock'] as const;

/**
 * The demo's script. The failing phase opens the circuit; the hanging phase starts while it is
 * open, so its first probe hangs and times out; the recovering phase sees the next probes succeed.
 */
export const DEMO_PHASES: readonly DemoPhase[] = [
  { name: 'healthy', mode: 'healthy', requests: 6, description: 'the downstream answers 200' },
  { name: 'failing', mode: 'failing', requests: 8, description: 'the downstream answers 500' },
  { name: 'hanging', mode: 'hanging', requests: 14, description: 'the downstream stops answering' },
  { name: 'recovering', mode: 'healthy', requests: 16, description: 'the downstream is back' },
];

/** The record export at the end of the demo: its records, their pace and the downstream's outage. */
export interface PipelinePhase {
  /** Records sent, with ids 0 to `records - 1`. */
  records: number;
  /** Milliseconds between two records. */
  intervalMs: number;
  /** Records written at once. */
  workers: number;
  /** The downstream answers 500 from the arrival of this record on... */
  failingFrom: number;
  /** ...and is healthy again from the arrival of this one on. */
  healthyFrom: number;
}

/**
 * The `pipeline-sink` breaker's open duration (500 ms) is twelve and a half record intervals, so
 * its end falls between two records. The downstream is back before the circuit half-opens, so the
 * first records after the open period close it, and the queue is drained after that.
 */
export const PIPELINE_PHASE: PipelinePhase = {
  records: 60,
  intervalMs: 40,
  workers: 4,
  failingFrom: 20,
  healthyFrom: 30,
};
