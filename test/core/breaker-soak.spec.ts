import { Breaker, type BreakerState, type Permit } from '../../lib/core/index.js';
import { retainedShape } from './model/retained-shape.js';
import { seededRandom } from './model/seeded-random.js';

const SEED = 20_261_203;
/** Permits kept in flight, so that some results arrive after the state they started in ended. */
const IN_FLIGHT = 8;
/** Length of the traffic pattern: a short outage, recovery, a long outage, recovery. */
const PATTERN_CALLS = 50_000;

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
      failureRateThreshold: 0.5,
      minimumCalls: 20,
      window: { kind: 'time', duration: 1_000, buckets: 10 },
      timeout: 50,
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

function collectGarbage(): number {
  (globalThis as { gc?: () => void }).gc?.();

  return process.memoryUsage().heapUsed;
}

describe('Breaker under a million calls', () => {
  it('holds structures of the same size after a million calls as after ten thousand', () => {
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
  });

  const withGc = typeof (globalThis as { gc?: unknown }).gc === 'function' ? it : it.skip;

  // Runs only under `node --expose-gc`; the structural check above covers the same ground.
  withGc('keeps the heap flat from one hundred thousand to a million calls', () => {
    const traffic = new Traffic();

    traffic.run(100_000);
    traffic.runUntilClosed();

    const before = collectGarbage();

    traffic.run(900_000);
    traffic.runUntilClosed();

    // Retaining one small integer per admitted call would add about 3 MB; noise stays near 0.3 MB.
    expect(collectGarbage() - before).toBeLessThan(1_000_000);
  });
});
