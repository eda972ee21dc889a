import { performance } from 'node:perf_hooks';

import { Injectable } from '@nestjs/common';

import { RecordPipeline } from '../../examples/pipeline/record-pipeline.js';
import { CircuitBreakerRegistry, isCircuitOpenError } from '../../lib/index.js';
import { DownstreamClient } from '../downstream/downstream.client.js';
import type { StoredRecord } from '../downstream/downstream.server.js';

/** Name of the breaker in front of the record export's writes. */
export const PIPELINE_SINK = 'pipeline-sink';

/** How an export runs. */
export interface RecordExportOptions {
  /**
   * Records written at once.
   * @default 4
   */
  workers?: number;
}

const EXPORT_DEFAULTS = Object.freeze({ workers: 4 });

/** Where the records of one export went. */
export interface RecordExportReport {
  /** Records taken from the source. */
  sent: number;
  /** Records stored by their first write. */
  storedFirstTry: number;
  /** Records queued because the open circuit rejected them. */
  queuedWhileOpen: number;
  /** Records queued because their write failed; the breaker has no bulkhead to reject them. */
  queuedOnFailure: number;
  /** Queued records stored by a write that probed the half-open circuit. */
  drainedAsProbes: number;
  /** Queued records stored after the circuit had closed. */
  drainedAfterClose: number;
  /** How long each write that reached the downstream took, in milliseconds. */
  writeLatenciesMs: number[];
}

/**
 * Exports records to the downstream with `POST /records`, through the `pipeline-sink` breaker and
 * the `RecordPipeline` of `examples/pipeline`: while the circuit is open, records wait in the
 * pipeline's fallback queue, which is drained once the circuit closes.
 */
@Injectable()
export class RecordExportService {
  constructor(
    private readonly breakers: CircuitBreakerRegistry,
    private readonly downstream: DownstreamClient,
  ) {}

  /**
   * Sends every record of `source` to the downstream and resolves once each one is stored.
   *
   * @returns how many records were stored at once, queued and drained, and how long writes took
   */
  async export(
    source: Iterable<StoredRecord> | AsyncIterable<StoredRecord>,
    options: RecordExportOptions = {},
  ): Promise<RecordExportReport> {
    const breaker = this.breakers.get(PIPELINE_SINK);
    const queued = new Set<StoredRecord>();
    const report: RecordExportReport = {
      sent: 0,
      storedFirstTry: 0,
      queuedWhileOpen: 0,
      queuedOnFailure: 0,
      drainedAsProbes: 0,
      drainedAfterClose: 0,
      writeLatenciesMs: [],
    };

    const pipeline = new RecordPipeline<StoredRecord>({
      breaker,
      workers: options.workers ?? EXPORT_DEFAULTS.workers,
      sink: async (record, signal) => {
        const probing = breaker.state === 'half-open';
        const started = performance.now();

        try {
          await this.downstream.postJson('/records', record, signal);
        } finally {
          report.writeLatenciesMs.push(performance.now() - started);
        }

        if (!queued.has(record)) {
          report.storedFirstTry++;
        } else if (probing) {
          report.drainedAsProbes++;
        } else {
          report.drainedAfterClose++;
        }
      },
      onDeferred: (record, error) => {
        queued.add(record);

        if (isCircuitOpenError(error)) {
          report.queuedWhileOpen++;
        } else {
          report.queuedOnFailure++;
        }
      },
    });

    await pipeline.run(source);
    report.sent = report.storedFirstTry + queued.size;

    return report;
  }
}
