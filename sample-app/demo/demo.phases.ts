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
