import { CALL_OUTCOMES } from '../core/call-tally.js';
import type { Breaker, BreakerRegistry, BreakerState, CallOutcome } from '../core/index.js';

/** Every state a breaker can be in, in the order metrics list them. */
export const BREAKER_STATES: readonly BreakerState[] = [
  'closed',
  'open',
  'half-open',
  'forced-open',
  'disabled',
];

/**
 * Upper bounds of the call duration histograms' buckets, in seconds: those of `prom-client`'s
 * default histogram, also advised to OpenTelemetry.
 */
export const CALL_DURATION_BUCKETS_SECONDS: readonly number[] = Object.freeze([
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
]);

/** The labels of one series of calls: the breaker and the outcome. */
export type CallLabels = Readonly<{ breaker: string; outcome: CallOutcome }>;

/**
 * Makes the labels of each outcome's series of `breaker` once, so that what is recorded per call
 * can reuse them.
 */
export function callLabelsOf(breaker: string): Readonly<Record<CallOutcome, CallLabels>> {
  return Object.freeze(
    Object.fromEntries(
      CALL_OUTCOMES.map((outcome) => [outcome, Object.freeze({ breaker, outcome })]),
    ) as Record<CallOutcome, CallLabels>,
  );
}

/**
 * Runs `attach` for every breaker of `registry`, present and future, and the function it returns
 * when the registry evicts that breaker or when the returned function is called.
 *
 * @returns a function that detaches every breaker and stops following the registry
 */
export function forEachBreaker(
  registry: BreakerRegistry,
  attach: (breaker: Breaker) => () => void,
): () => void {
  const detachers = new Map<Breaker, () => void>();
  const add = (breaker: Breaker) => detachers.set(breaker, attach(breaker));

  for (const breaker of registry) add(breaker);

  const removers = [
    registry.on('created', add),
    registry.on('evicted', (breaker) => {
      detachers.get(breaker)?.();
      detachers.delete(breaker);
    }),
  ];

  return () => {
    removers.forEach((remove) => remove());
    detachers.forEach((detach) => detach());
    detachers.clear();
  };
}
