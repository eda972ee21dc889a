import CircuitBreaker from 'opossum';
import {
  BrokenCircuitError,
  CircuitState,
  ConsecutiveBreaker,
  circuitBreaker,
  handleAll,
} from 'cockatiel';

import { Breaker, isCircuitOpenError } from '../../dist/index.js';
import {
  check,
  measure,
  perRound,
  rejectingDependency,
  sequentialFailures,
  timingResult,
} from '../harness.js';

const AN_HOUR_MS = 3_600_000;

/**
 * An open circuit rejecting a call: the hot path while a dependency is down. Each breaker is
 * opened by real failures and stays open for an hour; the caller awaits and catches, as callers
 * do.
 */
export default {
  id: 'open-rejection',
  title: 'open, rejection (await + catch)',
  goal: 'ours >= 10 x faster than cockatiel and opossum',

  /** @param {import('../harness.js').PROFILES['full']} profile */
  async run(profile) {
    const { counter, dependency } = rejectingDependency(new Error('dependency down'));
    const ours = new Breaker({ name: 'bench', maxFailures: 5, timeout: AN_HOUR_MS });
    const cockatiel = circuitBreaker(handleAll, {
      halfOpenAfter: AN_HOUR_MS,
      breaker: new ConsecutiveBreaker(5),
    });
    const opossum = new CircuitBreaker(dependency, { resetTimeout: AN_HOUR_MS });
    // Rejections of the right type, per subject; the errors themselves are dropped, as callers do.
    const rejected = { ours: 0, cockatiel: 0, opossum: 0 };

    try {
      for (let i = 0; i < 5; i++) {
        await settle(ours.call(dependency));
        await settle(cockatiel.execute(dependency));
        await settle(opossum.fire());
      }

      const expectOpen = () => {
        check(ours.state === 'open', `ours: the circuit is ${ours.state}, not open`);
        check(cockatiel.state === CircuitState.Open, 'cockatiel: the circuit is not open');
        check(opossum.opened, 'opossum: the circuit is not open');
      };
      const expectRejections = (name, iterations) => {
        check(
          rejected[name] === iterations,
          `${name}: ${rejected[name]} of ${iterations} calls were rejected by the open circuit`,
        );
        rejected[name] = 0;
      };

      expectOpen();

      // A rejection reaches no dependency: each turn must leave the counter where it was. Each
      // subject checks the error type in its own function, so that no check sees another's errors.
      const rejecting = (name, call, countRejection) => ({
        ...sequentialFailures(name, counter, call, countRejection),
        callsPerIteration: 0,
        verify: (iterations) => expectRejections(name, iterations),
      });
      const results = await measure(
        [
          rejecting(
            'ours',
            () => ours.call(dependency),
            (error) => {
              if (isCircuitOpenError(error)) rejected.ours++;
            },
          ),
          rejecting(
            'cockatiel',
            () => cockatiel.execute(dependency),
            (error) => {
              if (error instanceof BrokenCircuitError) rejected.cockatiel++;
            },
          ),
          rejecting(
            'opossum',
            () => opossum.fire(),
            (error) => {
              if (error?.code === 'EOPENBREAKER') rejected.opossum++;
            },
          ),
        ],
        profile,
      );

      expectOpen();

      const versusCockatiel = perRound(results, (ns) => ns.cockatiel / ns.ours);
      const versusOpossum = perRound(results, (ns) => ns.opossum / ns.ours);

      return timingResult(results, {
        ratios: { 'cockatiel/ours': versusCockatiel, 'opossum/ours': versusOpossum },
        met: versusCockatiel >= 10 && versusOpossum >= 10,
        notes: 'each opened by failures; the caller checks the error type',
      });
    } finally {
      opossum.shutdown();
    }
  },
};

/**
 * Waits for `promise` and swallows its rejection.
 * @param {Promise<unknown>} promise
 */
async function settle(promise) {
  try {
    await promise;
  } catch {
    // Opening the circuit takes failures.
  }
}
