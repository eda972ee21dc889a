import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import fc from 'fast-check';
import { Breaker, type BreakerState } from '../../lib/core/index.js';
import {
  PipelineConfigError,
  RecordPipeline,
  type RecordPipelineOptions,
} from '../../examples/pipeline/record-pipeline.js';

/** Resolves after `ms` milliseconds of fake time. */
const after = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Yields records 0 to count - 1, one every `everyMs` milliseconds. */
async function* arrivals(count: number, everyMs: number): AsyncGenerator<number> {
  for (let id = 0; id < count; id++) {
    await after(everyMs);

    yield id;
  }
}

/** Yields record `id` at `times[id]` milliseconds after the call. */
async function* arrivalsAt(times: number[]): AsyncGenerator<number> {
  const start = Date.now();

  for (const [id, at] of times.entries()) {
    await after(start + at - Date.now());

    yield id;
  }
}

/**
 * A sink that takes `latencyMs` per write and fails, storing nothing, while `isDown()` says so
 * when the write ends.
 */
function fakeSink(
  isDown: (id: number) => boolean,
  latencyMs: number | ((id: number) => number) = 5,
) {
  const stored: number[] = [];
  const calls = { total: 0, failedAt: [] as number[] };
  const sink = async (id: number) => {
    calls.total++;
    await after(typeof latencyMs === 'number' ? latencyMs : latencyMs(id));

    if (isDown(id)) {
      calls.failedAt.push(Date.now());
      throw new Error(`sink down, record ${id} not stored`);
    }

    stored.push(id);
  };

  return { sink, stored, calls };
}

/** Collects the states a breaker moves to. */
function transitionsOf(breaker: Breaker): BreakerState[] {
  const states: BreakerState[] = [];

  breaker.on('state-change', ({ to }) => states.push(to));

  return states;
}

const range = (count: number) => Array.from({ length: count }, (_, id) => id);

beforeEach(() => {
  jest.useFakeTimers();
});

afterEach(() => {
  jest.useRealTimers();
});

describe('RecordPipeline', () => {
  it('stores every record exactly once across an outage, queueing while the circuit is open', async () => {
    const breaker = new Breaker({ maxFailures: 3, timeout: 200, clock: () => Date.now() });
    const start = Date.now();
    const { sink, stored, calls } = fakeSink(() => {
      const elapsed = Date.now() - start;

      return elapsed >= 500 && elapsed < 1_500;
    });
    const transitions = transitionsOf(breaker);
    const pipeline = new RecordPipeline({ breaker, sink, workers: 4 });

    const run = pipeline.run(arrivals(300, 10));

    await jest.advanceTimersByTimeAsync(1_000);
    expect(breaker.state).not.toBe('closed');
    expect(pipeline.queued).toBeGreaterThan(0);

    await jest.runAllTimersAsync();
    const report = await run;

    expect([...stored].sort((a, b) => a - b)).toEqual(range(300));
    expect(stored).toHaveLength(300);
    expect(report.delivered).toBe(300);
    expect(report.deferred).toBeGreaterThan(50);
    expect(pipeline.queued).toBe(0);
    expect(transitions).toContain('open');
    expect(transitions.at(-1)).toBe('closed');
    // While open the sink saw only the probes, not the ~100 records that arrived.
    expect(calls.failedAt.length).toBeLessThan(20);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('probes with queued records when the stream ends while the circuit is open', async () => {
    const breaker = new Breaker({ maxFailures: 2, timeout: 1_000, clock: () => Date.now() });
    const start = Date.now();
    const { sink, stored, calls } = fakeSink(() => Date.now() - start < 5_000);
    const transitions = transitionsOf(breaker);
    const pipeline = new RecordPipeline({ breaker, sink, workers: 2 });

    const run = pipeline.run(range(50));

    await jest.advanceTimersByTimeAsync(100);
    expect(breaker.state).toBe('open');
    expect(pipeline.queued).toBe(50);

    await jest.runAllTimersAsync();
    const report = await run;

    expect([...stored].sort((a, b) => a - b)).toEqual(range(50));
    expect(report).toEqual({ delivered: 50, deferred: 50 });
    // After the failures that opened it, one failed probe per open period until the sink came back.
    expect(calls.failedAt.filter((at) => at - start > 100).map((at) => at - start)).toEqual([
      1_010, 2_015, 3_020, 4_025,
    ]);
    expect(transitions.filter((state) => state === 'half-open')).toHaveLength(5);
  });

  it('retries at once a record whose write failed while the circuit stayed closed', async () => {
    const breaker = new Breaker({ maxFailures: 5, clock: () => Date.now() });
    const failedOnce = new Set<number>();
    const { sink, stored } = fakeSink((id) => {
      if (id % 10 !== 3 || failedOnce.has(id)) return false;

      failedOnce.add(id);

      return true;
    });
    const pipeline = new RecordPipeline({ breaker, sink, retryDelayMs: 250 });

    const run = pipeline.run(arrivals(40, 10));

    await jest.advanceTimersByTimeAsync(200);
    expect(stored).toEqual(expect.arrayContaining([3, 13]));
    expect(pipeline.queued).toBe(0);

    await jest.runAllTimersAsync();
    const report = await run;

    expect([...stored].sort((a, b) => a - b)).toEqual(range(40));
    expect(report).toEqual({ delivered: 40, deferred: 4 });
    expect(breaker.state).toBe('closed');
  });

  it('waits retryDelayMs before writing again a record that failed twice while closed', async () => {
    const breaker = new Breaker({ maxFailures: 10, clock: () => Date.now() });
    let writes = 0;
    const { sink, stored } = fakeSink(() => ++writes <= 2);
    const pipeline = new RecordPipeline({ breaker, sink, retryDelayMs: 250 });

    const run = pipeline.run([0]);

    // Writes end at 5 ms (failed), 10 ms (failed), then 10 + 250 + 5 ms.
    await jest.advanceTimersByTimeAsync(264);
    expect(stored).toEqual([]);

    await jest.advanceTimersByTimeAsync(1);
    expect(stored).toEqual([0]);
    await expect(run).resolves.toEqual({ delivered: 1, deferred: 1 });
  });

  it('drains the queue as soon as live traffic closes the circuit', async () => {
    const breaker = new Breaker({ maxFailures: 1, timeout: 100, clock: () => Date.now() });
    const start = Date.now();
    const { sink, stored } = fakeSink((id) => id === 0 && Date.now() - start < 50, 1);
    const pipeline = new RecordPipeline({ breaker, sink, workers: 1, retryDelayMs: 60_000 });

    const run = pipeline.run(arrivals(20, 30));

    await jest.advanceTimersByTimeAsync(200);
    expect(pipeline.queued).toBe(0);
    expect(stored).toContain(0);

    await jest.runAllTimersAsync();
    await expect(run).resolves.toEqual({ delivered: 20, deferred: expect.any(Number) });
    expect(stored).toHaveLength(20);
  });

  it('wakes a waiting drainer as soon as a live probe closes the circuit', async () => {
    const breaker = new Breaker({ maxFailures: 1, timeout: 100, clock: () => Date.now() });
    const start = Date.now();
    const { sink, stored } = fakeSink(
      (id) => id === 0 && Date.now() - start < 200,
      (id) => ({ 0: 10, 3: 50 })[id] ?? 1,
    );
    const pipeline = new RecordPipeline({ breaker, sink, workers: 1 });

    // Record 0 fails and opens the circuit; record 1 probes and closes it, which starts the
    // drainer; the drainer's retry of record 0 fails and re-opens it; record 3 takes the next
    // probe slot at 231 ms, so the drainer waits, and the probe closes the circuit at 281 ms.
    const run = pipeline.run(arrivalsAt([10, 120, 125, 231]));

    await jest.advanceTimersByTimeAsync(300);
    expect(stored).toEqual([1, 2, 3, 0]);
    expect(pipeline.queued).toBe(0);

    await jest.runAllTimersAsync();
    await expect(run).resolves.toEqual({ delivered: 4, deferred: 1 });
  });

  it('waits retryDelayMs when a full bulkhead rejects the drainer during half-open', async () => {
    const breaker = new Breaker({
      maxFailures: 2,
      timeout: 100,
      maxConcurrent: 1,
      maxRequests: 2,
      clock: () => Date.now(),
    });
    let writesOfFirst = 0;
    const { sink, stored } = fakeSink(
      (id) => id === 0 && ++writesOfFirst <= 2,
      (id) => (id === 0 ? 10 : 80),
    );
    const rejectedAt: number[] = [];
    const start = Date.now();

    breaker.on('rejected', () => rejectedAt.push(Date.now() - start));

    // Record 0 fails at 10 ms, and again when retried at once, which opens the circuit until
    // 120 ms. Record 1 arrives then and probes for 80 ms, holding the only slot, so the drainer,
    // although a probe slot is free, is rejected by the bulkhead until the probe ends.
    const pipeline = new RecordPipeline({ breaker, sink, workers: 2, retryDelayMs: 40 });
    const run = pipeline.run(arrivalsAt([0, 120]));

    await jest.runAllTimersAsync();

    await expect(run).resolves.toEqual({ delivered: 2, deferred: 1 });
    expect(stored).toEqual([1, 0]);
    expect(rejectedAt).toEqual([120, 160]);
    expect(breaker.state).toBe('closed');
  });

  it('stores every record exactly once whatever the outages, latencies and settings', async () => {
    const scenario = fc.record({
      gapsMs: fc.array(fc.integer({ min: 0, max: 20 }), { minLength: 10, maxLength: 60 }),
      latenciesMs: fc.array(fc.integer({ min: 0, max: 30 }), { minLength: 1, maxLength: 10 }),
      outages: fc.array(
        fc.record({
          fromMs: fc.integer({ min: 0, max: 300 }),
          forMs: fc.integer({ min: 1, max: 800 }),
        }),
        { minLength: 1, maxLength: 3 },
      ),
      workers: fc.integer({ min: 1, max: 6 }),
      maxFailures: fc.integer({ min: 1, max: 5 }),
      maxRequests: fc.integer({ min: 1, max: 3 }),
      timeout: fc.integer({ min: 20, max: 400 }),
      maxConcurrent: fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined }),
    });

    await fc.assert(
      fc.asyncProperty(scenario, async ({ gapsMs, latenciesMs, outages, workers, ...options }) => {
        const start = Date.now();
        const breaker = new Breaker({ ...options, clock: () => Date.now() });
        const { sink, stored } = fakeSink(
          () => {
            const now = Date.now() - start;

            return outages.some(({ fromMs, forMs }) => now >= fromMs && now < fromMs + forMs);
          },
          (id) => latenciesMs[id % latenciesMs.length],
        );
        const pipeline = new RecordPipeline({ breaker, sink, workers, retryDelayMs: 50 });
        const times = gapsMs.map((_, id) => gapsMs.slice(0, id + 1).reduce((a, b) => a + b));

        const run = pipeline.run(arrivalsAt(times));

        await jest.runAllTimersAsync();
        const report = await run;

        expect([...stored].sort((a, b) => a - b)).toEqual(range(times.length));
        expect(report.delivered).toBe(times.length);
        expect(pipeline.queued).toBe(0);
        expect(jest.getTimerCount()).toBe(0);
      }),
      { numRuns: 60 },
    );
  }, 30_000);

  it('refuses a second run while one is in progress', async () => {
    const { sink } = fakeSink(() => false);
    const pipeline = new RecordPipeline({ breaker: new Breaker(), sink });
    const first = pipeline.run(arrivals(3, 10));

    await expect(pipeline.run([99])).rejects.toThrow('already running');

    await jest.runAllTimersAsync();
    await expect(first).resolves.toEqual({ delivered: 3, deferred: 0 });

    const second = pipeline.run([4]);

    await jest.runAllTimersAsync();
    await expect(second).resolves.toEqual({ delivered: 1, deferred: 0 });
  });

  describe('options', () => {
    const breaker = new Breaker();
    const sink = async () => undefined;

    it.each([
      ['no worker at all', { workers: 0 }, 'workers', 0],
      ['a fractional worker count', { workers: 2.5 }, 'workers', 2.5],
      ['a null worker count', { workers: null }, 'workers', null],
      ['a negative retry delay', { retryDelayMs: -1 }, 'retryDelayMs', -1],
      ['a retry delay that is not a number', { retryDelayMs: '1s' }, 'retryDelayMs', '1s'],
      ['a retry delay past the longest timer', { retryDelayMs: 2 ** 31 }, 'retryDelayMs', 2 ** 31],
      ['an endless retry delay', { retryDelayMs: Infinity }, 'retryDelayMs', Infinity],
      ['a retry delay that is NaN', { retryDelayMs: NaN }, 'retryDelayMs', NaN],
      ['an onDeferred that is no function', { onDeferred: 'log' }, 'onDeferred', 'log'],
      ['a sink that is no function', { sink: {} }, 'sink', {}],
      ['a missing sink', { sink: undefined }, 'sink', undefined],
      ['a breaker that is no Breaker', { breaker: {} }, 'breaker', {}],
      ['a null breaker', { breaker: null }, 'breaker', null],
      ['an unknown option', { worker: 8 }, 'worker', 8],
    ])(
      'refuses %s at construction, naming the option and the value',
      (_problem, change, option, value) => {
        const build = () =>
          new RecordPipeline({
            breaker,
            sink,
            ...change,
          } as unknown as RecordPipelineOptions<number>);

        expect(build).toThrow(PipelineConfigError);
        expect(build).toThrow(expect.objectContaining({ option, value }));
      },
    );

    it('names the option and the value in the message', () => {
      expect(() => new RecordPipeline({ breaker, sink, retryDelayMs: -5 })).toThrow(
        'Invalid pipeline option "retryDelayMs": received -5; expected a number of milliseconds from 0 to 2147483647.',
      );
    });

    it('refuses options that are no object', () => {
      expect(() => new RecordPipeline(null as unknown as RecordPipelineOptions<number>)).toThrow(
        expect.objectContaining({ option: 'options', value: null }),
      );
    });

    it('takes undefined options as their defaults, and a retry delay of 0', () => {
      expect(
        () => new RecordPipeline({ breaker, sink, workers: undefined, onDeferred: undefined }),
      ).not.toThrow();
      expect(() => new RecordPipeline({ breaker, sink, retryDelayMs: 0 })).not.toThrow();
    });
  });
});
