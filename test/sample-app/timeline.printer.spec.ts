import type { BreakerStats, StateChangeEvent } from '../../lib/index.js';
import { CallTimeoutError } from '../../lib/index.js';
import type { RequestRecord } from '../../sample-app/demo/traffic.driver.js';
import type { RecordExportReport } from '../../sample-app/records/record-export.service.js';
import {
  Timeline,
  formatExportSummary,
  formatHealth,
  formatPhaseSummary,
  formatTransition,
  percentile,
} from '../../sample-app/demo/timeline.printer.js';
import type { TimelineSettings } from '../../sample-app/demo/timeline.printer.js';

const settings: TimelineSettings = {
  maxFailures: 3,
  timeout: 1000,
  maxRequests: 2,
  callTimeout: 300,
};

function transition(
  from: StateChangeEvent['from'],
  to: StateChangeEvent['to'],
  reason: StateChangeEvent['reason'],
  stats: Partial<BreakerStats> = {},
): StateChangeEvent {
  return {
    breaker: 'downstream',
    from,
    to,
    reason,
    stats: { failureRate: 0, slowCallRate: 0, ...stats } as BreakerStats,
  };
}

function record(status: number, latencyMs: number, extra: Partial<RequestRecord> = {}) {
  return { route: '/stock', status, latencyMs, fallback: false, retryAfter: undefined, ...extra };
}

describe('formatTransition', () => {
  it('names the last failure when consecutive failures open the circuit', () => {
    const line = formatTransition(
      transition('closed', 'open', 'consecutive-failures'),
      settings,
      new Error('downstream answered 500'),
    );

    expect(line).toBe(
      '  [downstream] closed → open          3 failures in a row, last: downstream answered 500',
    );
  });

  it('quotes the open duration and the probe count when the circuit half-opens', () => {
    const line = formatTransition(transition('open', 'half-open', 'open-elapsed'), settings);

    expect(line).toBe('  [downstream] open → half-open       open for 1000 ms, admitting 2 probes');
  });

  it('says a probe timed out when a call timeout failed it', () => {
    const line = formatTransition(
      transition('half-open', 'open', 'probe-failed'),
      settings,
      new CallTimeoutError('downstream', 300),
    );

    expect(line).toBe(
      '  [downstream] half-open → open       a probe failed: no answer within 300 ms',
    );
  });

  it('counts the probes that closed the circuit', () => {
    const line = formatTransition(transition('half-open', 'closed', 'probes-succeeded'), settings);

    expect(line).toBe('  [downstream] half-open → closed     2 probes succeeded');
  });

  it('gives the rate for rate rules and the bare reason for manual changes', () => {
    const rate = transition('closed', 'open', 'failure-rate', { failureRate: 0.5 });

    expect(formatTransition(rate, settings)).toMatch(/failure rate 50%$/);
    expect(formatTransition(transition('open', 'closed', 'reset'), settings)).toMatch(/ reset$/);
  });
});

describe('formatPhaseSummary', () => {
  it('counts statuses, fallbacks and Retry-After values, then gives latency percentiles', () => {
    const lines = formatPhaseSummary([
      record(200, 4, { route: '/quote', fallback: true }),
      record(503, 1, { retryAfter: '1' }),
      record(200, 2, { route: '/quote', fallback: true }),
      record(502, 3),
      record(503, 2, { retryAfter: '1' }),
    ]);

    expect(lines).toEqual([
      '  5 requests: 200 x2, 502 x1, 503 x2; 2 served by the fallback; Retry-After 1 s',
      '  latency p50 2 ms, p99 4 ms',
    ]);
  });

  it('prints a phase without requests', () => {
    expect(formatPhaseSummary([])).toEqual([
      '  0 requests: none; 0 served by the fallback',
      '  latency p50 -, p99 -',
    ]);
  });
});

describe('formatExportSummary', () => {
  const report: RecordExportReport = {
    sent: 60,
    storedFirstTry: 46,
    queuedWhileOpen: 12,
    queuedOnFailure: 2,
    drainedAsProbes: 0,
    drainedAfterClose: 14,
    writeLatenciesMs: [3, 1, 2],
  };
  const everyRecordOnce = new Map(Array.from({ length: 60 }, (_, id) => [id, 1]));

  it('says where the records went, how long writes took and what the downstream holds', () => {
    expect(formatExportSummary(report, everyRecordOnce)).toEqual([
      '  60 records sent: 46 stored on the first try, 14 queued (2 after a failed write, 12 rejected while open)',
      '  14 drained from the queue, all after the circuit closed',
      '  latency p50 2 ms, p99 3 ms',
      '  the downstream holds 60 records: 0 lost, 0 stored twice',
    ]);
  });

  it('counts the queued records that probed the half-open circuit', () => {
    const lines = formatExportSummary(
      { ...report, drainedAsProbes: 2, drainedAfterClose: 12 },
      everyRecordOnce,
    );

    expect(lines[1]).toBe(
      '  14 drained from the queue: 2 as half-open probes, 12 after the circuit closed',
    );
  });

  it('counts the records the downstream lacks and those it stored more than once', () => {
    const stored = new Map(everyRecordOnce);

    stored.delete(7);
    stored.delete(8);
    stored.set(9, 2);

    expect(formatExportSummary(report, stored)[3]).toBe(
      '  the downstream holds 58 records: 2 lost, 1 stored twice',
    );
  });
});

describe('formatHealth', () => {
  it('gives the status and the state of each breaker checked', () => {
    const line = formatHealth({ status: 503, breakers: { downstream: 'open', search: 'closed' } });

    expect(line).toBe('  /health   503  downstream open, search closed');
  });

  it('says so when the report names no breaker', () => {
    expect(formatHealth({ status: 404, breakers: {} })).toBe(
      '  /health   404  no breaker reported',
    );
  });
});

describe('percentile', () => {
  it('takes the nearest rank', () => {
    const values = [5, 1, 4, 2, 3, 10, 9, 8, 7, 6];

    expect(percentile(values, 0.5)).toBe(5);
    expect(percentile(values, 0.99)).toBe(10);
    expect(percentile(values, 0)).toBe(1);
  });

  it('is NaN for no values', () => {
    expect(percentile([], 0.5)).toBeNaN();
  });
});

describe('Timeline', () => {
  it('prints a phase header, transitions with their cause and the summary in order', () => {
    const lines: string[] = [];
    const timeline = new Timeline((line) => lines.push(line), { downstream: settings });

    timeline.startPhase(2, 4, 'failing', 'the downstream answers 500');
    timeline.failure('downstream', new Error('downstream answered 500'));
    timeline.transition(transition('closed', 'open', 'consecutive-failures'));
    timeline.endPhase([record(502, 1)]);

    expect(lines).toEqual([
      '',
      'phase 2/4  failing     the downstream answers 500',
      '  [downstream] closed → open          3 failures in a row, last: downstream answered 500',
      '  1 request: 502 x1; 0 served by the fallback',
      '  latency p50 1 ms, p99 1 ms',
    ]);
  });

  it('quotes the settings of the breaker that changed state', () => {
    const lines: string[] = [];
    const timeline = new Timeline((line) => lines.push(line), {
      downstream: settings,
      'pipeline-sink': { ...settings, timeout: 500 },
    });

    timeline.transition(transition('open', 'half-open', 'open-elapsed'));
    timeline.transition({
      ...transition('open', 'half-open', 'open-elapsed'),
      breaker: 'pipeline-sink',
    });

    expect(lines).toEqual([
      '  [downstream] open → half-open       open for 1000 ms, admitting 2 probes',
      '  [pipeline-sink] open → half-open       open for 500 ms, admitting 2 probes',
    ]);
  });

  it('prints the bare reason for a breaker it has no settings for', () => {
    const lines: string[] = [];
    const timeline = new Timeline((line) => lines.push(line), { downstream: settings });

    timeline.transition({ ...transition('open', 'half-open', 'open-elapsed'), breaker: 'other' });

    expect(lines).toEqual(['  [other] open → half-open       open-elapsed']);
  });

  it('prints the health check and the metric samples after a phase', () => {
    const lines: string[] = [];
    const timeline = new Timeline((line) => lines.push(line), { downstream: settings });

    timeline.health({ status: 200, breakers: { downstream: 'closed' } });
    timeline.samples(['circuit_breaker_state{breaker="downstream",state="closed"} 1']);

    expect(lines).toEqual([
      '  /health   200  downstream closed',
      '  /metrics  circuit_breaker_state{breaker="downstream",state="closed"} 1',
    ]);
  });
});
