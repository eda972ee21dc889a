import { Breaker, type BreakerState, type Permit } from '../../lib/core/index.js';
import { retainedShape } from './model/retained-shape.js';
import { seededRandom } from './model/seeded-random.js';
import { StatusError } from './test-clock.js';

const SEED = 20_261_203;
/** Permits kept in flight, so that some results arrive after the state they started in ended. */
const IN_FLIGHT = 8;
/** Length of the traffic pattern: a short outage, recovery, a long outage, recovery. */
const PATTERN_CALLS = 50_000;

/** The rule both soaks trip by: a failure rate over a time window. */
const RATE_RULE = {
  failureRateThreshold: 0.5,
  minimumCalls: 20,
  window: { kind: 'time', duration: 1_000, buckets: 10 },
  timeout: 50,
} as const;

/** The failure chance of the `call`-th call in the repeating traffic pattern. */
function failureChance(call: number): number {
  const offset = call % PATTERN_CALLS;

  if (offset < 1_000) return 0.7;

  if (offset >= 30_000 && offset < 40_000) return 0.6;

  return 0.1;
}

/**
 * Drives a breaker with a failure-rate rule over a time window through seeded random traffic:
 * the clock moves 0 to 2 ms per call, and each permit is ended a few calls after it was admitted.
 */
class Traffic {
  now = 0;
  calls = 0;
  readonly entered: Record<BreakerState, number> = {
    closed: 0,
    open: 0,
    'half-open': 0,
    'forced-open': 0,
    disabled: 0,
  };
  readonly breaker: Breaker;
  private readonly random = seededRandom(SEED);
  private readonly inFlight: Permit[] = [];
  private readonly error = new Error('dependency failed');

  constructor() {
    this.breaker = new Breaker({
      name: 'soak',
      clock: () => this.now,
      ...RATE_RULE,
      maxRequests: 3,
    });
    this.breaker.on('state-change', ({ to }) => this.entered[to]++);
  }

  /** Permits admitted and not yet ended. */
  get outstanding(): number {
    return this.inFlight.length;
  }

  /** Makes `calls` more calls, rejected ones included. */
  run(calls: number, chance = failureChance): void {
    for (let made = 0; made < calls; made++) {
      const admitted = this.attempt();

      if (this.inFlight.length > IN_FLIGHT || (!admitted && this.inFlight.length > 0)) {
        this.finish(this.inFlight.shift() as Permit, chance(this.calls));
      }

      this.calls++;
      this.now += Math.floor(this.random() * 3);
    }
  }

  /** Keeps making successful calls until the circuit is closed again. */
  runUntilClosed(): void {
    while (this.breaker.state !== 'closed') this.run(1, () => 0);
  }

  private attempt(): boolean {
    try {
      this.inFlight.push(this.breaker.acquire());

      return true;
    } catch {
      return false;
    }
  }

  private finish(permit: Permit, chance: number): void {
    const draw = this.random();

    if (draw < chance) permit.failure(this.error);
    else if (draw < chance + 0.05) permit.ignore();
    else permit.success();
  }
}

/** Calls made between two waits for the outcomes still pending. */
const CALL_BATCH = 1_000;

const ignoreRejection = () => undefined;

/** Resolves once every pending promise reaction, however deeply chained, has run. */
const afterPendingReactions = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Drives a closed breaker with a failure-rate rule over a time window through `call()`, on its
 * fast path: seeded random outcomes, thrown or returned, at once or through a promise, with
 * failures well under the threshold so that the circuit stays closed. The clock moves 0 to 2 ms
 * per call, so the window's buckets keep turning over.
 */
class CallTraffic {
  now = 0;
  calls = 0;
  readonly breaker: Breaker;
  private readonly random = seededRandom(SEED);
  /** What the called function does, with the chance that it does it. */
  private readonly outcomes: Array<[number, () => unknown]>;

  constructor() {
    const error = new Error('dependency failed');
    const notFound = new StatusError(404);
    const throwError = () => {
      throw error;
    };
    const throwNotFound = () => {
      throw notFound;
    };

    this.breaker = new Breaker({
      name: 'soak-calls',
      clock: () => this.now,
      ...RATE_RULE,
    });
    this.outcomes = [
      [0.15, throwError],
      [0.05, throwNotFound],
      [0.05, () => Promise.reject(error)],
      [0.05, () => Promise.resolve('ok')],
      [0.7, () => 'ok'],
    ];
  }

  /** Makes `calls` more calls and waits until every one has settled. */
  async run(calls: number): Promise<void> {
    for (let made = 1; made <= calls; made++) {
      this.breaker.call(this.pick()).catch(ignoreRejection);
      this.calls++;
      this.now += Math.floor(this.random() * 3);

      if (made % CALL_BATCH === 0) await afterPendingReactions();
    }

    await afterPendingReactions();
  }

  private pick(): () => unknown {
    let draw = this.random();

    for (const [chance, outcome] of this.outcomes) {
      if (draw < chance) return outcome;

      draw -= chance;
    }

    return this.outcomes[this.outcomes.length - 1][1];
  }
}

function collectGarbage(): number {
  (globalThis as { gc?: () => void }).gc?.();

  return process.memoryUsage().heapUsed;
}

/** A million calls take about 3 s on an idle machine; a shared CI machine can be many times slower. */
const SOAK_TIMEOUT_MS = 120_000;

describe('Breaker under a million calls', () => {
  it(
    'holds structures of the same size after a million calls as after ten thousand',
    () => {
      const traffic = new Traffic();

      traffic.run(10_000);
      traffic.runUntilClosed();

      const early = retainedShape(traffic.breaker);

      traffic.run(990_000);
      traffic.runUntilClosed();

      expect(retainedShape(traffic.breaker)).toEqual(early);
      expect(traffic.entered.open).toBeGreaterThanOrEqual(20);
      expect(traffic.entered.closed).toBeGreaterThanOrEqual(20);
      expect(traffic.breaker.stats()).toMatchObject({
        state: 'closed',
        inFlight: traffic.outstanding,
      });
    },
    SOAK_TIMEOUT_MS,
  );

  const withGc = typeof (globalThis as { gc?: unknown }).gc === 'function' ? it : it.skip;

  // Runs only under `node --expose-gc`; the structural check above covers the same ground.
  withGc(
    'keeps the heap flat from one hundred thousand to a million calls',
    () => {
      const traffic = new Traffic();

      traffic.run(100_000);
      traffic.runUntilClosed();

      const before = collectGarbage();

      traffic.run(900_000);
      traffic.runUntilClosed();

      // Retaining one small integer per admitted call would add about 3 MB; noise stays near 0.3 MB.
      expect(collectGarbage() - before).toBeLessThan(1_000_000);
    },
    SOAK_TIMEOUT_MS,
  );

  it(
    'keeps structures and heap flat over a million calls through call() on a closed circuit',
    async () => {
      const traffic = new CallTraffic();
      const closedSince = traffic.breaker.toJSON().since;

      await traffic.run(10_000);

      const early = retainedShape(traffic.breaker);

      await traffic.run(90_000);

      const before = collectGarbage();

      await traffic.run(900_000);

      expect(traffic.calls).toBe(1_000_000);
      expect(retainedShape(traffic.breaker)).toEqual(early);
      // It never left closed: nothing was rejected, and the closed period is the first one.
      expect(traffic.breaker.toJSON().since).toBe(closedSince);
      expect(traffic.breaker.stats()).toMatchObject({ state: 'closed', rejected: 0, inFlight: 0 });
      expect(traffic.breaker.stats().failures).toBeGreaterThan(0);
      expect(traffic.breaker.stats().ignored).toBeGreaterThan(0);

      // One soak of a million calls serves both checks; without --expose-gc only the first holds.
      if (typeof (globalThis as { gc?: unknown }).gc === 'function') {
        expect(collectGarbage() - before).toBeLessThan(1_000_000);
      }
    },
    SOAK_TIMEOUT_MS,
  );
});
