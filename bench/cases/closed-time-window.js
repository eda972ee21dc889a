import CircuitBreaker from 'opossum';
import { SamplingBreaker, circuitBreaker, handleAll } from 'cockatiel';

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
 * A closed breaker judging the failure rate over a 10-second window of 10 buckets, in front of a
 * function that resolves at once. Each peer runs its own time window of the same length.
 */
export default {
  id: 'closed-time-window',
  title: 'closed, success, time window (10 buckets, failure rate)',
  goal: 'overhead <= 1/2 of cockatiel SamplingBreaker',

  /** @param {import('../harness.js').PROFILES['full']} profile */
  async run(profile) {
    const { counter, dependency } = resolvingDependency();
    const ours = new Breaker({
      name: 'bench',
      failureRateThreshold: 0.5,
      window: { kind: 'time', duration: 10_000, buckets: 10 },
    });
    const cockatiel = circuitBreaker(handleAll, {
      halfOpenAfter: 10_000,
      breaker: new SamplingBreaker({ threshold: 0.5, duration: 10_000 }),
    });
    // opossum's default rolling window is 10 s in 10 buckets.
    const opossum = new CircuitBreaker(dependency, {
      timeout: false,
      errorThresholdPercentage: 50,
    });

    try {
      const results = await measure(
        [
          sequential('bare', counter, dependency),
          sequential('ours', counter, () => ours.call(dependency)),
          sequential('cockatiel', counter, () => cockatiel.execute(dependency)),
          sequential('opossum', counter, () => opossum.fire()),
        ],
        profile,
      );

      check(ours.state === 'closed', 'ours: the breaker left the closed state');
      check(ours.stats().successes > 0, 'ours: the window recorded no success');

      const versusCockatiel = perRound(results, (ns) =>
        overheadShare(ns.ours, ns.cockatiel, ns.bare),
      );

      return timingResult(results, {
        ratios: { 'overhead ours/cockatiel': versusCockatiel },
        met: versusCockatiel <= 1 / 2,
        notes: 'cockatiel SamplingBreaker over 10 s; opossum with timeout: false',
      });
    } finally {
      opossum.shutdown();
    }
  },
};
