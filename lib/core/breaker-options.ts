import type { BreakerSnapshot } from './breaker-snapshot.js';

/** A window of recent outcomes judged by the rate rules. */
export type WindowOptions =
  | {
      /** Keeps outcomes of the last `duration` milliseconds, in `buckets` slices. */
      kind: 'time';
      /**
       * Length of the window, in milliseconds.
       * @default 10_000
       */
      duration?: number;
      /**
       * Slices the window is kept in; the oldest slice is dropped whole as time passes.
       * @default 10
       */
      buckets?: number;
    }
  | {
      /** Keeps the outcomes of the last `size` calls. */
      kind: 'count';
      /** Number of calls kept. Must be at least `minimumCalls`. */
      size: number;
    };

/** Lengthens the open period each time a probe fails in a row. */
export interface BackoffOptions {
  /**
   * Factor applied to the open duration for each re-open in a row after failed probes.
   * @default 2
   */
  multiplier?: number;
  /**
   * Longest open duration, in milliseconds.
   * @default Infinity
   */
  max?: number;
  /**
   * Largest fraction (0 to 1) by which a chosen duration is randomly shortened.
   * @default 0
   */
  jitter?: number;
}

/** How a thrown error counts: `true` failure, `false` success, `'ignore'` neither. */
export type FailureVerdict = boolean | 'ignore';

/** Options of a `Breaker`. Every option is optional; durations are in milliseconds. */
export interface BreakerOptions {
  /**
   * Name shown in errors, events, logs and metrics.
   * @default 'default'
   */
  name?: string;
  /**
   * Consecutive failures that open a closed circuit. Off when only a rate rule is set.
   * @default 5
   */
  maxFailures?: number;
  /**
   * How long the circuit stays open before it admits probes, in milliseconds. Also the longest a
   * half-open period with a probe outstanding may last before the circuit re-opens.
   * @default 10_000
   */
  timeout?: number;
  /**
   * Probes a half-open period admits; that many successes close the circuit.
   * @default 1
   */
  maxRequests?: number;
  /** Opens the circuit when the failure rate in the window reaches this (0 < r <= 1). */
  failureRateThreshold?: number;
  /** Opens the circuit when the rate of slow calls in the window reaches this (0 < r <= 1). */
  slowCallThreshold?: number;
  /** A call that lasts at least this many milliseconds counts as slow. */
  slowCallDuration?: number;
  /**
   * Outcomes the window must hold before any rate is judged.
   * @default 10
   */
  minimumCalls?: number;
  /**
   * The window the rate rules judge.
   * @default { kind: 'time', duration: 10_000, buckets: 10 }
   */
  window?: WindowOptions;
  /** Per-call deadline in milliseconds; the call's `AbortSignal` aborts and it counts as a failure. */
  callTimeout?: number;
  /** Calls allowed in flight at once; calls beyond it are rejected with `BulkheadFullError`. */
  maxConcurrent?: number;
  /** Lengthens the open duration each time a probe fails in a row. */
  backoff?: BackoffOptions;
  /**
   * Classifies a thrown error. Replaces the default rule, under which HTTP statuses below 500
   * (except 408 and 429) and aborts not caused by `callTimeout` are ignored and everything else is
   * a failure.
   */
  isFailure?: (error: unknown) => FailureVerdict;
  /** Treats a returned value as a failure; the value still reaches the caller. */
  isResultFailure?: (result: unknown) => boolean;
  /**
   * Source of the current time in milliseconds.
   * @default Date.now
   */
  clock?: () => number;
  /** A snapshot from `breaker.toJSON()` to restore. */
  initialState?: BreakerSnapshot;
}

/** Defaults of every option that has one. The only place they are written. */
export const BREAKER_DEFAULTS = Object.freeze({
  name: 'default',
  maxFailures: 5,
  timeout: 10_000,
  maxRequests: 1,
  minimumCalls: 10,
  window: Object.freeze({ kind: 'time', duration: 10_000, buckets: 10 } as const),
  backoff: Object.freeze({ multiplier: 2, max: Infinity, jitter: 0 }),
  clock: Date.now,
});

/** Breaker options with every default applied, as the engine reads them. */
export interface ResolvedBreakerOptions {
  name: string;
  /** `undefined` when the consecutive rule is off. */
  maxFailures: number | undefined;
  timeout: number;
  maxRequests: number;
  failureRateThreshold: number | undefined;
  slowCallThreshold: number | undefined;
  slowCallDuration: number | undefined;
  minimumCalls: number;
  /** `undefined` when no rate rule is set. */
  window: Required<WindowOptions> | undefined;
  callTimeout: number | undefined;
  maxConcurrent: number | undefined;
  /** `undefined` when the open duration never grows. */
  backoff: Required<BackoffOptions> | undefined;
  isFailure: ((error: unknown) => FailureVerdict) | undefined;
  isResultFailure: ((result: unknown) => boolean) | undefined;
  clock: () => number;
}

/** Applies the defaults to already validated options. */
export function resolveBreakerOptions(options: BreakerOptions = {}): ResolvedBreakerOptions {
  const given = definedEntries(options);
  const hasRateRule =
    given.failureRateThreshold !== undefined || given.slowCallThreshold !== undefined;
  const merged = { ...BREAKER_DEFAULTS, ...given };

  return {
    name: merged.name,
    maxFailures: hasRateRule ? given.maxFailures : merged.maxFailures,
    timeout: merged.timeout,
    maxRequests: merged.maxRequests,
    failureRateThreshold: given.failureRateThreshold,
    slowCallThreshold: given.slowCallThreshold,
    slowCallDuration: given.slowCallDuration,
    minimumCalls: merged.minimumCalls,
    window: hasRateRule ? resolveWindow(given.window) : undefined,
    callTimeout: given.callTimeout,
    maxConcurrent: given.maxConcurrent,
    backoff: given.backoff && { ...BREAKER_DEFAULTS.backoff, ...definedEntries(given.backoff) },
    isFailure: given.isFailure,
    isResultFailure: given.isResultFailure,
    clock: merged.clock,
  };
}

function resolveWindow(window: WindowOptions | undefined): Required<WindowOptions> {
  if (window?.kind === 'count') return { kind: 'count', size: window.size };

  return { ...BREAKER_DEFAULTS.window, ...definedEntries(window ?? {}) } as Required<WindowOptions>;
}

/** Returns a copy of `value` without its `undefined` entries, so that spreading it keeps defaults. */
export function definedEntries<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(value).filter(([, entry]) => entry !== undefined),
  ) as Partial<T>;
}
