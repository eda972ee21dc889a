import type { ResolvedBreakerOptions } from './breaker-options.js';
import type { TransitionReason } from './breaker-state.js';
import type { Outcome } from './classify.js';
import type { OutcomeWindow } from './outcome-window.js';

/**
 * Decides whether the outcome just recorded opens a closed circuit, and why. The consecutive rule
 * fires on a failure; the rate rules are judged on a failure or a slow call once the window holds
 * `minimumCalls` outcomes. A fast success never opens the circuit.
 *
 * @returns the reason to open, or `undefined` to stay closed
 */
export function tripReason(
  options: ResolvedBreakerOptions,
  consecutiveFailures: number,
  window: OutcomeWindow | undefined,
  outcome: Outcome,
  slow: boolean,
  now: number,
): TransitionReason | undefined {
  const { maxFailures, minimumCalls, failureRateThreshold, slowCallThreshold } = options;

  if (outcome === 'failure' && maxFailures !== undefined && consecutiveFailures >= maxFailures) {
    return 'consecutive-failures';
  }

  if (window === undefined || (outcome !== 'failure' && !slow)) return undefined;

  const { calls, failures, slowCalls } = window.totals(now);

  if (calls < minimumCalls) return undefined;

  if (failureRateThreshold !== undefined && failures / calls >= failureRateThreshold) {
    return 'failure-rate';
  }

  if (slowCallThreshold !== undefined && slowCalls / calls >= slowCallThreshold) {
    return 'slow-call-rate';
  }

  return undefined;
}
