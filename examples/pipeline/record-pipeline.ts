import type { Breaker } from '../../lib/core/index.js';

/**
 * Stores one record. Resolves once the record is stored; when it rejects it must have stored
 * nothing, so that sending the record again cannot store it twice.
 */
export type RecordSink<R> = (record: R, signal: AbortSignal) => Promise<void>;

/** Options of a `RecordPipeline`. */
export interface RecordPipelineOptions<R> {
  /** Protects the sink: while it is open, records wait in the fallback queue. */
  breaker: Breaker;
  /** Where records go. */
  sink: RecordSink<R>;
  /**
   * Records sent to the sink at once.
   * @default 4
   */
  workers?: number;
  /**
   * Wait before the fallback queue is tried again after a failure that did not open the circuit
   * (a failed write, a full bulkhead), in milliseconds. While the circuit is open, the queue
   * waits for the circuit instead.
   * @default 1_000
   */
  retryDelayMs?: number;
  /**
   * Called when a record goes to the fallback queue, with the error that sent it there: the
   * breaker's rejection (`CircuitOpenError`, `BulkheadFullError`) or the sink's failure. It runs
   * inside a worker, so an error it throws rejects the run.
   */
  onDeferred?: (record: R, error: unknown) => void;
}

/** What a run did. */
export interface PipelineReport {
  /** Records the sink stored. */
  delivered: number;
  /** Times a record was put in the fallback queue: rejected by the breaker or failed by the sink. */
  deferred: number;
}

/** Whether the sink stored a record, and the error that kept it from doing so. */
type SendOutcome = { stored: true } | { stored: false; error: unknown };

const PIPELINE_DEFAULTS = Object.freeze({ workers: 4, retryDelayMs: 1_000 });

/**
 * Sends a stream of records to a breaker-protected sink with a pool of workers. A record the sink
 * cannot take (open circuit, full bulkhead, failed write) goes to an in-memory fallback queue,
 * which is drained as soon as the circuit closes; when no live record is left to probe the
 * half-open circuit, the queue's oldest record does. A run ends when every record was stored.
 *
 * @example
 * const pipeline = new RecordPipeline({
 *   breaker,
 *   sink: (order, signal) => db.insert(order, { signal }),
 * });
 * const { delivered, deferred } = await pipeline.run(orders);
 */
export class RecordPipeline<R> {
  private readonly breaker: Breaker;
  private readonly sink: RecordSink<R>;
  private readonly workers: number;
  private readonly retryDelayMs: number;
  private readonly onDeferred: ((record: R, error: unknown) => void) | undefined;
  /** Records waiting for the sink, oldest first. */
  private readonly fallback: R[] = [];
  private delivered = 0;
  private deferred = 0;
  private draining: Promise<void> | undefined;
  private running = false;
  private wakeDrainer: (() => void) | undefined;

  constructor(options: RecordPipelineOptions<R>) {
    const workers = options.workers ?? PIPELINE_DEFAULTS.workers;
    const retryDelayMs = options.retryDelayMs ?? PIPELINE_DEFAULTS.retryDelayMs;

    if (!Number.isInteger(workers) || workers < 1) {
      throw new RangeError(`workers must be an integer >= 1, received ${workers}`);
    }

    this.breaker = options.breaker;
    this.sink = options.sink;
    this.workers = workers;
    this.retryDelayMs = retryDelayMs;
    this.onDeferred = options.onDeferred;
  }

  /** Records waiting in the fallback queue. */
  get queued(): number {
    return this.fallback.length;
  }

  /**
   * Sends every record of `source` to the sink and resolves once all of them are stored. A
   * pipeline runs one source at a time.
   *
   * @returns how many records were stored and how often one had to wait in the fallback queue
   */
  async run(source: Iterable<R> | AsyncIterable<R>): Promise<PipelineReport> {
    if (this.running) throw new Error('This pipeline is already running; create one per source.');

    this.running = true;
    this.delivered = 0;
    this.deferred = 0;

    const records = toAsyncIterator(source);
    const stopListening = this.breaker.on('state-change', ({ to }) => {
      // Resumes after the transition has finished, never inside the breaker's own event.
      if (to === 'closed') void Promise.resolve().then(() => this.resumeDrain());
    });

    try {
      await Promise.all(Array.from({ length: this.workers }, () => this.work(records)));

      // Workers may queue a record while a drainer is finishing: drain until nothing is left.
      do {
        await this.drain();
      } while (this.fallback.length > 0);
    } finally {
      stopListening();
      this.running = false;
    }

    return { delivered: this.delivered, deferred: this.deferred };
  }

  /** Takes records from the shared iterator until it ends; a record not stored is queued. */
  private async work(records: AsyncIterator<R>): Promise<void> {
    for (let next = await records.next(); !next.done; next = await records.next()) {
      const outcome = await this.send(next.value);

      if (outcome.stored) continue;

      this.fallback.push(next.value);
      this.deferred++;
      this.onDeferred?.(next.value, outcome.error);

      // A failed write while the circuit stays closed is retried now; an open circuit's queue
      // waits for the circuit.
      if (this.breaker.state === 'closed') void this.drain();
    }
  }

  /** Sends one record through the breaker and tells whether the sink stored it, or why not. */
  private async send(record: R): Promise<SendOutcome> {
    try {
      await this.breaker.call((signal) => this.sink(record, signal));
    } catch (error) {
      // The breaker has counted the failure (or rejected the call); the caller queues the record.
      return { stored: false, error };
    }

    this.delivered++;

    return { stored: true };
  }

  private resumeDrain(): void {
    if (this.wakeDrainer !== undefined) return this.wakeDrainer();

    if (this.fallback.length > 0) void this.drain();
  }

  /** Drains the fallback queue; only one drainer runs at a time. */
  private drain(): Promise<void> {
    this.draining ??= this.drainQueue().finally(() => {
      this.draining = undefined;
    });

    return this.draining;
  }

  private async drainQueue(): Promise<void> {
    while (this.fallback.length > 0) {
      const record = this.fallback.shift() as R;

      if ((await this.send(record)).stored) continue;

      this.fallback.unshift(record);
      // retryAfter is the rest of an open period; it is 0 (a free probe slot) or unknown when the
      // record failed for another reason, such as a full bulkhead or a failed write.
      await this.pause(this.breaker.stats().retryAfter || this.retryDelayMs);
    }
  }

  /** Waits `ms` milliseconds, or less when the circuit closes meanwhile. */
  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.wakeDrainer = undefined;
        resolve();
      };
      const timer = setTimeout(wake, ms);

      this.wakeDrainer = wake;
    });
  }
}

function toAsyncIterator<R>(source: Iterable<R> | AsyncIterable<R>): AsyncIterator<R> {
  if (Symbol.asyncIterator in source) return source[Symbol.asyncIterator]();

  const iterator = source[Symbol.iterator]();

  return { next: async () => iterator.next() };
}
