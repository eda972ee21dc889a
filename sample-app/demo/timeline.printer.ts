import type { StateChangeEvent } from '../../lib/index.js';
import type { RecordExportReport } from '../records/record-export.service.js';
import type { HealthReading } from './observability.probe.js';
import type { RequestRecord } from './traffic.driver.js';

/** The breaker settings a timeline quotes when it explains a transition. */
export interface TimelineSettings {
  maxFailures: number;
  /** Open duration in milliseconds. */
  timeout: number;
  maxRequests: number;
  /** Per-call deadline in milliseconds, if any. */
  callTimeout?: number;
}

/**
 * Prints the demo's timeline: a header per phase, each state transition as it happens with its
 * reason, a summary of the phase's requests when it ends, and what `/health` and `/metrics`
 * reported then; for the record export, where the records went.
 */
export class Timeline {
  private readonly lastErrors = new Map<string, unknown>();

  /**
   * @param write receives one line at a time, without a trailing newline
   * @param settings the settings of each breaker, by name, quoted in transition reasons
   */
  constructor(
    private readonly write: (line: string) => void,
    private readonly settings: Readonly<Record<string, TimelineSettings>>,
  ) {}

  /** Prints the header of a phase. */
  startPhase(position: number, total: number, name: string, description: string): void {
    this.write('');
    this.write(`phase ${position}/${total}  ${name.padEnd(11)} ${description}`);
  }

  /** Remembers the latest failure of a breaker, so the transition it causes can name it. */
  failure(breaker: string, error: unknown): void {
    this.lastErrors.set(breaker, error);
  }

  /** Prints a state transition with its reason; the bare reason for a breaker without settings. */
  transition(event: StateChangeEvent): void {
    const settings = this.settings[event.breaker];

    this.write(formatTransition(event, settings, this.lastErrors.get(event.breaker)));
  }

  /** Prints the summary of a phase's requests. */
  endPhase(records: readonly RequestRecord[]): void {
    for (const line of formatPhaseSummary(records)) {
      this.write(line);
    }
  }

  /**
   * Prints where the records of an export went, then what the downstream holds.
   *
   * @param stored how many times the downstream stored each record id
   */
  exportSummary(report: RecordExportReport, stored: ReadonlyMap<number, number>): void {
    for (const line of formatExportSummary(report, stored)) {
      this.write(line);
    }
  }

  /** Prints what `/health` answered. */
  health(reading: HealthReading): void {
    this.write(formatHealth(reading));
  }

  /** Prints metric samples read from `/metrics`, one a line. */
  samples(samples: readonly string[]): void {
    for (const sample of samples) {
      this.write(`  /metrics  ${sample}`);
    }
  }
}

/**
 * Formats one transition as `  [name] from → to  reason`.
 *
 * @param settings the breaker's settings; without them the reason is printed as the event names it
 * @param lastError the breaker's latest recorded failure, named when a failure caused the change
 */
export function formatTransition(
  event: StateChangeEvent,
  settings: TimelineSettings | undefined,
  lastError?: unknown,
): string {
  const arrow = `${event.from} → ${event.to}`.padEnd(22);

  return `  [${event.breaker}] ${arrow} ${describeReason(event, settings, lastError)}`;
}

/**
 * Formats a phase's requests as two lines: counts by status and fallbacks, then latency.
 */
export function formatPhaseSummary(records: readonly RequestRecord[]): string[] {
  const statuses = new Map<number, number>();

  for (const record of records) {
    statuses.set(record.status, (statuses.get(record.status) ?? 0) + 1);
  }

  const byStatus = [...statuses]
    .sort(([a], [b]) => a - b)
    .map(([status, count]) => `${status} x${count}`)
    .join(', ');
  const fallbacks = records.filter((record) => record.fallback).length;
  const retryAfter = [...new Set(records.map((record) => record.retryAfter))]
    .filter((value) => value !== undefined)
    .map((value) => `${value} s`);
  const retryText = retryAfter.length > 0 ? `; Retry-After ${retryAfter.join(', ')}` : '';

  return [
    `  ${plural(records.length, 'request')}: ${byStatus || 'none'}; ${fallbacks} served by the fallback${retryText}`,
    formatLatency(records.map((record) => record.latencyMs)),
  ];
}

/**
 * Formats an export as four lines: the records stored at once and queued, the queued ones
 * drained, the latency of the writes, and what the downstream holds: records never stored (lost)
 * and records stored more than once.
 *
 * @param stored how many times the downstream stored each record id
 */
export function formatExportSummary(
  report: RecordExportReport,
  stored: ReadonlyMap<number, number>,
): string[] {
  const queued = report.queuedWhileOpen + report.queuedOnFailure;
  const drained = report.drainedAsProbes + report.drainedAfterClose;
  const storedTwice = [...stored.values()].filter((times) => times > 1).length;

  return [
    `  ${plural(report.sent, 'record')} sent: ${report.storedFirstTry} stored on the first try, ` +
      `${queued} queued (${report.queuedOnFailure} after a failed write, ` +
      `${report.queuedWhileOpen} rejected while open)`,
    report.drainedAsProbes === 0
      ? `  ${drained} drained from the queue, all after the circuit closed`
      : `  ${drained} drained from the queue: ${report.drainedAsProbes} as half-open probes, ` +
        `${report.drainedAfterClose} after the circuit closed`,
    formatLatency(report.writeLatenciesMs),
    `  the downstream holds ${plural(stored.size, 'record')}: ` +
      `${Math.max(0, report.sent - stored.size)} lost, ${storedTwice} stored twice`,
  ];
}

/** Formats what `/health` answered as its status and the state of each breaker it checked. */
export function formatHealth(reading: HealthReading): string {
  const states = Object.entries(reading.breakers)
    .map(([name, state]) => `${name} ${state}`)
    .join(', ');

  return `  /health   ${reading.status}  ${states || 'no breaker reported'}`;
}

/**
 * Returns the nearest-rank percentile of `values` (`fraction` between 0 and 1), or `NaN` for no
 * values.
 */
export function percentile(values: readonly number[], fraction: number): number {
  if (values.length === 0) {
    return Number.NaN;
  }

  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil(fraction * sorted.length));

  return sorted[rank - 1];
}

function describeReason(
  event: StateChangeEvent,
  settings: TimelineSettings | undefined,
  lastError: unknown,
): string {
  if (settings === undefined) {
    return event.reason;
  }

  switch (event.reason) {
    case 'consecutive-failures':
      return `${settings.maxFailures} failures in a row, last: ${describeError(lastError)}`;
    case 'failure-rate':
      return `failure rate ${Math.round(event.stats.failureRate * 100)}%`;
    case 'slow-call-rate':
      return `slow-call rate ${Math.round(event.stats.slowCallRate * 100)}%`;
    case 'open-elapsed':
      return `open for ${settings.timeout} ms, admitting ${plural(settings.maxRequests, 'probe')}`;
    case 'probe-failed':
      return `a probe failed: ${describeError(lastError)}`;
    case 'probes-succeeded':
      return `${plural(settings.maxRequests, 'probe')} succeeded`;
    case 'half-open-expired':
      return `no decision within ${settings.timeout} ms of half-open`;
    default:
      return event.reason;
  }
}

function describeError(error: unknown): string {
  if (error instanceof Error && error.name === 'CallTimeoutError') {
    return `no answer within ${'timeoutMs' in error ? error.timeoutMs : '?'} ms`;
  }

  if (error instanceof Error) {
    return error.message;
  }

  return error === undefined ? 'unknown' : String(error);
}

function formatLatency(latencies: readonly number[]): string {
  return `  latency p50 ${formatMs(percentile(latencies, 0.5))}, p99 ${formatMs(percentile(latencies, 0.99))}`;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

function formatMs(value: number): string {
  return Number.isNaN(value) ? '-' : `${Math.round(value)} ms`;
}
