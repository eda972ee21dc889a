import { inspect } from 'node:util';
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
   * waits for the circuit instead. At most 2_147_483_647, the longest delay a timer can hold.
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

/** The longest delay a Node.js timer can hold; a longer one fires after 1 ms. */
const LONGEST_TIMER_MS = 2_147_483_647;

/** Checks one option value: returns what is wrong with it, or `undefined` when it is allowed. */
type Check = (value: unknown) => string | undefined;

const isFunction = (value: unknown) => typeof value === 'function';

const PIPELINE_CHECKS: Record<keyof RecordPipelineOptions<unknown>, Check> = {
  breaker: (value) =>
    isFunction((value as Breaker | null)?.call) && isFunction((value as Breaker).on)
      ? undefined
      : 'expected a Breaker',
  sink: (value) => (isFunction(value) ? undefined : 'expected a function'),
  workers: (value) =>
    Number.isInteger(value) && (value as number) >= 1 ? undefined : 'expected an integer >= 1',
  retryDelayMs: (value) =>
    typeof value === 'number' && value >= 0 && value <= LONGEST_TIMER_MS
      ? undefined
      : `expected a number of milliseconds from 0 to ${LONGEST_TIMER_MS}`,
  onDeferred: (value) => (isFunction(value) ? undefined : 'expected a function'),
};

/**
 * Thrown at construction when a pipeline option is invalid. The message names the option, the
 * value received and what is allowed.
 */
export class PipelineConfigError extends Error {
  override readonly name = 'PipelineConfigError';

  /**
   * @param option the option's name, such as `workers`
   * @param value the value that was received
   * @param expected what the option allows
   */
  constructor(
    readonly option: string,
    readonly value: unknown,
    readonly expected: string,
  ) {
    super(
      `Invalid pipeline option "${option}": received ${inspect(value, { depth: 0 })}; ${expected}.`,
    );
  }
}

/** The options without a default: `undefined` is checked like any other value. */
const REQUIRED_OPTIONS: readonly string[] = ['breaker', 'sink'];

/**
 * Checks the options of a `RecordPipeline`: an unknown key, a missing `breaker` or `sink`, or a
 * value its option does not allow, `null` included.
 *
 * @throws PipelineConfigError naming the option, the value received and what is allowed
 */
function validatePipelineOptions(options: unknown): void {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new PipelineConfigError('options', options, 'expected an object of pipeline options');
  }

  for (const [key, value] of Object.entries(options)) {
    if (!Object.hasOwn(PIPELINE_CHECKS, key)) {
      throw new PipelineConfigError(
        key,
        value,
        `unknown option; known options are ${Object.keys(PIPELINE_CHECKS).join(', ')}`,
      );
    }
  }

  for (const [key, check] of Object.entries(PIPELINE_CHECKS)) {
    const value = (options as Record<string, unknown>)[key];

    if (value === undefined && !REQUIRED_OPTIONS.includes(key)) continue;

    const problem = check(value);

    if (problem !== undefined) throw new PipelineConfigError(key, value, problem);
  }
}

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

  /**
   * @param options see `RecordPipelineOptions`; `breaker` and `sink` are required
   * @throws PipelineConfigError naming the option and the value when an option is invalid
   */
  constructor(options: RecordPipelineOptions<R>) {
    validatePipelineOptions(options);

    this.breaker = options.breaker;
    this.sink = options.sink;
    this.workers = options.workers ?? PIPELINE_DEFAULTS.workers;
    this.retryDelayMs = options.retryDelayMs ?? PIPELINE_DEFAULTS.retryDelayMs;
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
