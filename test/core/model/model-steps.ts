import fc from 'fast-check';

import type { ModelConfig, ModelOutcome } from './breaker-model.js';

/** How far a step moves the clock. */
export type ClockMove =
  { to: 'boundary'; pick: number; offset: -1 | 0 | 1 } | { to: 'later'; ms: number };

/**
 * One operation on the breaker under test. `observe` steps read `stats()` before and after the
 * operation; the others leave the breaker unobserved, so that time-driven transitions stay
 * pending until some later operation brings them about.
 */
export type Step =
  | { kind: 'acquire'; observe: boolean }
  | { kind: 'call'; outcome: ModelOutcome; observe: boolean }
  | { kind: 'call-later'; observe: boolean }
  | { kind: 'settle'; pick: number; outcome: ModelOutcome; classified: boolean; observe: boolean }
  | { kind: 'settle-again'; pick: number; outcome: ModelOutcome; observe: boolean }
  | { kind: 'advance'; move: ClockMove; observe: boolean }
  | { kind: 'read'; what: 'state' | 'stats' | 'snapshot' }
  | { kind: 'force-open' | 'disable' | 'reset'; observe: boolean };

/** A breaker configuration and the steps to run against it. */
export interface Scenario {
  config: ModelConfig;
  steps: Step[];
}

const observe = fc.nat(3).map((value) => value !== 0);

const outcome: fc.Arbitrary<ModelOutcome> = fc.oneof(
  { arbitrary: fc.constant('success' as const), weight: 4 },
  { arbitrary: fc.constant('failure' as const), weight: 4 },
  { arbitrary: fc.constant('ignored' as const), weight: 1 },
);

const clockMove: fc.Arbitrary<ClockMove> = fc.oneof(
  fc.record({
    to: fc.constant('boundary' as const),
    pick: fc.nat(3),
    offset: fc.constantFrom(-1 as const, 0 as const, 1 as const),
  }),
  fc.record({ to: fc.constant('later' as const), ms: fc.constantFrom(0, 1, 2, 3) }),
  fc.record({ to: fc.constant('later' as const), ms: fc.integer({ min: 0, max: 1_000 }) }),
);

const step: fc.Arbitrary<Step> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant('acquire' as const), observe }), weight: 5 },
  { arbitrary: fc.record({ kind: fc.constant('call' as const), outcome, observe }), weight: 3 },
  { arbitrary: fc.record({ kind: fc.constant('call-later' as const), observe }), weight: 2 },
  {
    arbitrary: fc.record({
      kind: fc.constant('settle' as const),
      pick: fc.nat(),
      outcome,
      classified: fc.boolean(),
      observe,
    }),
    weight: 7,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant('settle-again' as const),
      pick: fc.nat(),
      outcome,
      observe,
    }),
    weight: 1,
  },
  {
    arbitrary: fc.record({ kind: fc.constant('advance' as const), move: clockMove, observe }),
    weight: 5,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant('read' as const),
      what: fc.constantFrom('state' as const, 'stats' as const, 'snapshot' as const),
    }),
    weight: 2,
  },
  {
    arbitrary: fc.record({
      kind: fc.constantFrom(
        'force-open' as const,
        'disable' as const,
        'reset' as const,
        'reset' as const,
        'reset' as const,
      ),
      observe,
    }),
    weight: 1,
  },
);

/** Up to 60 steps. */
export const steps: fc.Arbitrary<Step[]> = fc.array(step, {
  minLength: 1,
  maxLength: 60,
  size: 'max',
});

const common = {
  timeout: fc.integer({ min: 1, max: 50 }),
  maxRequests: fc.integer({ min: 1, max: 3 }),
  random: fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
  backoff: fc.option(
    fc.record({
      multiplier: fc.constantFrom(1, 1.5, 2, 3),
      extra: fc.option(fc.integer({ min: 0, max: 400 }), { nil: undefined }),
      jitter: fc.constantFrom(0, 0, 0.5, 1),
    }),
    { nil: undefined },
  ),
  maxConcurrent: fc.oneof(
    { arbitrary: fc.constant(undefined), weight: 4 },
    { arbitrary: fc.integer({ min: 1, max: 4 }), weight: 1 },
  ),
};

type CommonFields = {
  timeout: number;
  maxRequests: number;
  random: number;
  backoff: { multiplier: number; extra: number | undefined; jitter: number } | undefined;
  maxConcurrent: number | undefined;
};

/** Turns the generated backoff (whose `max` is an amount above `timeout`) into options. */
function withBackoff<T extends CommonFields>({
  backoff,
  ...rest
}: T): Omit<T, 'backoff'> & ModelConfig {
  const max = backoff?.extra === undefined ? Infinity : rest.timeout + backoff.extra;

  return {
    ...rest,
    backoff: backoff && { multiplier: backoff.multiplier, max, jitter: backoff.jitter },
  };
}

const slowCallDuration = fc.integer({ min: 1, max: 20 });
const failureRateThreshold = fc.constantFrom(0.25, 0.5, 0.6, 0.75, 1);
const countWindow = {
  minimumCalls: fc.integer({ min: 1, max: 4 }),
  extraSize: fc.integer({ min: 0, max: 4 }),
};

/** Adds a count window of `minimumCalls + extraSize` outcomes to a generated configuration. */
function withCountWindow<T extends CommonFields & { minimumCalls: number; extraSize: number }>({
  extraSize,
  ...config
}: T): ModelConfig {
  return {
    ...withBackoff(config),
    window: { kind: 'count', size: config.minimumCalls + extraSize },
  };
}

/** Configurations judged by the consecutive rule alone, sometimes counting slow calls. */
export const consecutiveConfig: fc.Arbitrary<ModelConfig> = fc
  .record({
    ...common,
    maxFailures: fc.integer({ min: 1, max: 4 }),
    slowCallDuration: fc.option(slowCallDuration, { nil: undefined }),
  })
  .map(withBackoff);

/** Configurations with a failure-rate rule over a count window, sometimes with `maxFailures`. */
export const countWindowConfig: fc.Arbitrary<ModelConfig> = fc
  .record({
    ...common,
    ...countWindow,
    failureRateThreshold,
    maxFailures: fc.option(fc.integer({ min: 2, max: 5 }), { nil: undefined }),
  })
  .map(withCountWindow);

/** Configurations with a failure-rate rule over a time window. */
export const timeWindowConfig: fc.Arbitrary<ModelConfig> = fc
  .record({
    ...common,
    failureRateThreshold,
    minimumCalls: countWindow.minimumCalls,
    buckets: fc.integer({ min: 1, max: 5 }),
    bucketMs: fc.integer({ min: 1, max: 20 }),
  })
  .map(({ buckets, bucketMs, ...config }) => ({
    ...withBackoff(config),
    window: { kind: 'time' as const, duration: buckets * bucketMs, buckets },
  }));

/** Configurations with a slow-call-rate rule, sometimes with a failure-rate rule beside it. */
export const slowCallConfig: fc.Arbitrary<ModelConfig> = fc
  .record({
    ...common,
    ...countWindow,
    slowCallThreshold: fc.constantFrom(0.25, 0.5, 1),
    slowCallDuration,
    failureRateThreshold: fc.option(failureRateThreshold, { nil: undefined }),
  })
  .map(withCountWindow);
