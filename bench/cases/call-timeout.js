import CircuitBreaker from 'opossum';
import {
  ConsecutiveBreaker,
  TimeoutStrategy,
  circuitBreaker,
  handleAll,
  timeout,
  wrap,
} from 'cockatiel';

import { Breaker } from '../../dist/index.js';
import {
  check,
  countTimers,
  measure,
  perRound,
  resolvingDependency,
  sequential,
  timingResult,
} from '../harness.js';

/**
 * A closed breaker with a 10-second per-call deadline in front of a function that resolves at
 * once: opossum with its default 10 s `timeout`, cockatiel with a timeout policy around its
 * breaker.
 */
export default {
  id: 'call-timeout',
  title: 'closed, success, callTimeout 10 s',
  goal: 'ours < opossum (default 10 s timeout)',

  /** @param {import('../harness.js').PROFILES['full']} profile */
  async run(profile) {
    const timersBefore = countTimers();
    const { counter, dependency } = resolvingDependency();
    const ours = new Breaker({ name: 'bench', callTimeout: 10_000 });
    const cockatiel = wrap(
      timeout(10_000, TimeoutStrategy.Aggressive),
      circuitBreaker(handleAll, { halfOpenAfter: 10_000, breaker: new ConsecutiveBreaker(5) }),
    );
    const opossum = new CircuitBreaker(dependency);

    check(opossum.options.timeout === 10_000, 'opossum: the default call timeout is not 10 s');

    let results;

    try {
      results = await measure(
        [
          sequential('bare', counter, dependency),
          sequential('ours', counter, () => ours.call(dependency)),
          sequential('cockatiel', counter, () => cockatiel.execute(dependency)),
          sequential('opossum', counter, () => opossum.fire()),
        ],
        profile,
      );
    } finally {
      opossum.shutdown();
    }

    // Every deadline must be cleared when its call settles, and opossum's intervals at shutdown.
    const timersLeft = countTimers() - timersBefore;

    check(timersLeft === 0, `${timersLeft} timers outlived the calls`);
    check(ours.stats().inFlight === 0, 'ours: calls were left in flight');
    check(ours.stats().successes > 0, 'ours: no success was recorded');

    const versusOpossum = perRound(results, (ns) => ns.ours / ns.opossum);

    return timingResult(results, {
      ratios: { 'ours/opossum': versusOpossum },
      met: versusOpossum < 1,
      notes: 'cockatiel: timeout(10 s, Aggressive) around a ConsecutiveBreaker',
    });
  },
};
