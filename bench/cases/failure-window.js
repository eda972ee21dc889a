import { Breaker } from '../../dist/index.js';
import {
  check,
  measure,
  medians,
  perRound,
  rejectingDependency,
  resolvingDependency,
  sequentialFailures,
} from '../harness.js';

const FAILURES_PER_BLOCK = 400;

/**
 * The failure path of a closed breaker judging the failure rate, with about a thousand and about
 * a million outcomes already in its time window: recording a failure and judging the rate must not
 * depend on how many calls the window holds.
 */
export default {
  id: 'failure-window',
  title: 'closed, failure, 1M vs 1k calls in the window',
  goal: 'cost with 1M within 10% of 1k',

  /** @param {import('../harness.js').PROFILES['full']} profile */
  async run(profile) {
    const smallWindow = profile.smoke ? 100 : 1_000;
    const largeWindow = profile.smoke ? 10_000 : 1_000_000;
    const failing = rejectingDependency(new Error('dependency down'));
    const succeeding = resolvingDependency();
    // A minute-long window, so that the million successes stay in it for the whole case.
    const options = {
      failureRateThreshold: 0.5,
      window: { kind: 'time', duration: 60_000, buckets: 10 },
    };
    const small = new Breaker({ name: 'small-window', ...options });
    const large = new Breaker({ name: 'large-window', ...options });
    // Takes the untimed refills of the large-window turns, so that both turns do the same work.
    const spare = new Breaker({ name: 'spare', ...options });
    const refill = (breaker) => async () => {
      breaker.reset();
      await fill(breaker, succeeding.dependency, smallWindow);
    };

    await fill(large, succeeding.dependency, largeWindow);

    const results = await measure(
      [
        sequentialFailures('bare', failing.counter, failing.dependency),
        {
          name: '1k',
          counter: failing.counter,
          run: (iterations) => failBlocks(small, failing.dependency, iterations, refill(small)),
          verify: () => expectWindow(small, smallWindow),
        },
        {
          name: '1M',
          counter: failing.counter,
          run: (iterations) => failBlocks(large, failing.dependency, iterations, refill(spare)),
          verify: () => expectWindow(large, largeWindow),
        },
      ],
      { ...profile, firstTurn: profile.smoke ? profile.firstTurn : FAILURES_PER_BLOCK },
    );
    const ns = medians(results);
    const ratio = perRound(results, (round) => round['1M'] / round['1k']);

    return {
      unit: 'ns/call',
      values: { bare: ns.bare, ours: ns['1M'], 'ours (1k)': ns['1k'] },
      measured: results,
      ratios: { '1M/1k': ratio },
      met: Math.abs(ratio - 1) <= 0.1,
      notes: `ours: 1M calls in the window, ${Math.round(ns['1k'])} ns with 1k; bare: await + catch`,
    };
  },
};

/**
 * Records `count` successes through `breaker`, untimed.
 * @param {Breaker} breaker
 * @param {() => Promise<unknown>} dependency
 * @param {number} count
 */
async function fill(breaker, dependency, count) {
  for (let i = 0; i < count; i++) await breaker.call(dependency);
}

/**
 * Makes `iterations` failing calls in blocks, running `prepare` untimed before each block, and
 * returns the nanoseconds the failing calls took.
 * @param {Breaker} breaker
 * @param {() => Promise<unknown>} dependency
 * @param {number} iterations
 * @param {() => Promise<void>} prepare
 */
async function failBlocks(breaker, dependency, iterations, prepare) {
  let elapsed = 0n;

  for (let done = 0; done < iterations; done += FAILURES_PER_BLOCK) {
    await prepare();

    const block = Math.min(FAILURES_PER_BLOCK, iterations - done);
    const start = process.hrtime.bigint();

    for (let i = 0; i < block; i++) {
      try {
        await breaker.call(dependency);
      } catch {
        // The failure is the path being measured.
      }
    }

    elapsed += process.hrtime.bigint() - start;
  }

  return Number(elapsed);
}

/**
 * Checks that `breaker` is still closed and its window still holds at least `minimumCalls`.
 * @param {Breaker} breaker
 * @param {number} minimumCalls
 */
function expectWindow(breaker, minimumCalls) {
  const stats = breaker.stats();

  check(breaker.state === 'closed', `${breaker.name}: the failures opened the circuit`);
  check(
    stats.calls >= minimumCalls,
    `${breaker.name}: the window holds ${stats.calls} calls, fewer than ${minimumCalls}`,
  );
  check(stats.failures > 0, `${breaker.name}: no failure was recorded`);
}
