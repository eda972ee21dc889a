import CircuitBreaker from 'opossum';
import { ConsecutiveBreaker, circuitBreaker, handleAll } from 'cockatiel';

import { Breaker } from '../../dist/index.js';
import {
  check,
  measure,
  overheadShare,
  perRound,
  resolvingDependency,
  sequential,
  timingResult,
} from '../harness.js';

/**
 * A closed breaker with the consecutive-failures rule in front of a function that resolves at
 * once: the cost every successful call pays.
 */
export default {
  id: 'closed-consecutive',
  title: 'closed, success, consecutive rule',
  goal: 'ours <= 1.15 x floor; overhead <= 1/3 of cockatiel',

  /** @param {import('../harness.js').PROFILES['full']} profile */
  async run(profile) {
    const { counter, dependency } = resolvingDependency();
    const floorCounts = { ok: 0, failed: 0 };
    const onValue = (value) => {
      floorCounts.ok++;

      return value;
    };
    const onError = (error) => {
      floorCounts.failed++;

      throw error;
    };
    const ours = new Breaker({ name: 'bench' });
    const cockatiel = circuitBreaker(handleAll, {
      halfOpenAfter: 10_000,
      breaker: new ConsecutiveBreaker(5),
    });
    const opossum = new CircuitBreaker(dependency, { timeout: false });

    try {
      const results = await measure(
        [
          sequential('bare', counter, dependency),
          sequential('floor', counter, () => dependency().then(onValue, onError)),
          sequential('ours', counter, () => ours.call(dependency)),
          sequential('cockatiel', counter, () => cockatiel.execute(dependency)),
          sequential('opossum', counter, () => opossum.fire()),
        ],
        profile,
      );

      check(ours.state === 'closed', 'ours: the breaker left the closed state');
      check(ours.stats().failures === 0, 'ours: a success was counted as a failure');
      check(floorCounts.failed === 0 && floorCounts.ok > 0, 'floor: the handlers did not run');

      const versusFloor = perRound(results, (ns) => ns.ours / ns.floor);
      const versusCockatiel = perRound(results, (ns) =>
        overheadShare(ns.ours, ns.cockatiel, ns.bare),
      );

      return timingResult(results, {
        ratios: { 'ours/floor': versusFloor, 'overhead ours/cockatiel': versusCockatiel },
        met: versusFloor <= 1.15 && versusCockatiel <= 1 / 3,
        notes: 'opossum with timeout: false',
      });
    } finally {
      opossum.shutdown();
    }
  },
};
