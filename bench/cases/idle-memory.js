import CircuitBreaker from 'opossum';
import { SamplingBreaker, circuitBreaker, handleAll } from 'cockatiel';

import { Breaker, BreakerRegistry } from '../../dist/index.js';
import { createHook } from 'node:async_hooks';

import { check, countTimers } from '../harness.js';

const WINDOW = { kind: 'time', duration: 10_000, buckets: 10 };

/**
 * Heap held by idle breakers judging the failure rate over a 10-bucket time window: standalone,
 * and created by name through a registry. Each figure is the growth of `heapUsed` between two
 * full collections, divided by the number of breakers, names included.
 */
export default {
  id: 'idle-memory',
  title: 'memory per idle breaker, 10-bucket time window',
  goal: '<= 1 KB per breaker (standalone and 100k in a registry); no timers',

  /** @param {import('../harness.js').PROFILES['full']} profile */
  async run(profile) {
    check(typeof globalThis.gc === 'function', 'the memory case needs node --expose-gc');

    const count = profile.smoke ? 1_000 : 100_000;
    const standaloneCount = profile.smoke ? 1_000 : 20_000;
    const peerCount = profile.smoke ? 100 : 5_000;
    const timersBefore = countTimers();
    const created = watchTimers();
    const standalone = heapPerItem(
      standaloneCount,
      (i) => new Breaker({ name: `breaker-${i}`, failureRateThreshold: 0.5, window: WINDOW }),
    );
    const registry = new BreakerRegistry({
      defaults: { failureRateThreshold: 0.5, window: WINDOW },
    });
    const registered = heapPerItem(count, (i) => registry.getOrCreate(`breaker-${i}`));
    const ourTimers = created.stop();
    const activeTimers = countTimers() - timersBefore;

    check(
      [...registry].length === count,
      `the registry holds ${[...registry].length} of ${count} breakers`,
    );
    check(registry.get('breaker-0').stats().calls === 0, 'a registered breaker is not idle');
    check(activeTimers === 0, `idle breakers keep ${activeTimers} timers active`);

    const cockatiel = heapPerItem(peerCount, () =>
      circuitBreaker(handleAll, {
        halfOpenAfter: 10_000,
        breaker: new SamplingBreaker({ threshold: 0.5, duration: 10_000 }),
      }),
    );
    const peerTimers = watchTimers();
    const opossums = [];
    const opossum = heapPerItem(peerCount, (i) => {
      const breaker = new CircuitBreaker(async () => i, { name: `breaker-${i}` });

      opossums.push(breaker);

      return breaker;
    });
    const opossumTimers = peerTimers.stop();

    opossums.forEach((breaker) => breaker.shutdown());
    registry.close();

    return {
      unit: 'bytes/breaker',
      values: {
        ours: Math.max(standalone, registered),
        standalone,
        registered,
        cockatiel,
        opossum,
      },
      ratios: { 'standalone KB': standalone / 1024, 'registry KB': registered / 1024 },
      met: standalone <= 1024 && registered <= 1024 && ourTimers === 0 && activeTimers === 0,
      notes: `ours: worse of standalone ${Math.round(standalone)} B and ${count / 1000}k in a registry ${Math.round(registered)} B; ${ourTimers} timers created (opossum: ${opossumTimers / peerCount} per breaker); peers over ${peerCount / 1000}k`,
    };
  },
};

/**
 * Creates `count` items, keeps them alive, and returns the heap they added per item.
 * @param {number} count
 * @param {(index: number) => unknown} create
 */
function heapPerItem(count, create) {
  const items = new Array(count);

  collect();

  const before = process.memoryUsage().heapUsed;

  for (let i = 0; i < count; i++) items[i] = create(i);

  collect();

  const after = process.memoryUsage().heapUsed;

  check(
    items.every((item) => item !== undefined),
    'an item was not created',
  );

  return (after - before) / count;
}

/**
 * Counts the timers created, referenced or not, until `stop()` is called.
 */
function watchTimers() {
  let count = 0;
  const hook = createHook({
    init(_id, type) {
      if (type === 'Timeout') count++;
    },
  }).enable();

  return {
    stop() {
      hook.disable();

      return count;
    },
  };
}

function collect() {
  globalThis.gc();
  globalThis.gc();
}
