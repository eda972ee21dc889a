import { isDeepStrictEqual } from 'node:util';

import {
  type CircuitOpenError,
  isBulkheadFullError,
  isCircuitOpenError,
  type Permit,
  type StateChangeEvent,
} from '../../../lib/core/index.js';
import { MODEL_BREAKER_NAME, type ModelAdmission, type ModelOutcome } from './breaker-model.js';

/**
 * Checks that `actual` equals `expected` as `toEqual` does. The cheap comparison runs first because
 * building a jest `expect` on every step would dominate the run time; jest's diff is kept for the
 * failing case.
 */
export function expectEqual(actual: unknown, expected: unknown): void {
  if (!isDeepStrictEqual(actual, expected)) expect(actual).toEqual(expected);
}

/** The `from>to` pairs the state diagram allows, with the reasons each may carry. */
const LEGAL_TRANSITIONS: Record<string, readonly string[]> = {
  'closed>open': ['consecutive-failures', 'failure-rate', 'slow-call-rate'],
  'open>half-open': ['open-elapsed'],
  'half-open>closed': ['probes-succeeded'],
  'half-open>open': ['probe-failed', 'half-open-expired'],
};

/** Tells whether a state change is one the diagram or a manual control allows. */
export function isLegalTransition({ from, to, reason }: StateChangeEvent): boolean {
  if (from === to) return false;

  if (to === 'forced-open') return reason === 'forced-open' && from !== 'disabled';

  if (to === 'disabled') return reason === 'disabled' && from !== 'forced-open';

  if (to === 'closed' && reason === 'reset') return true;

  return LEGAL_TRANSITIONS[`${from}>${to}`]?.includes(reason) ?? false;
}

/** An error carrying an HTTP status, classified by the default rule. */
class StatusError extends Error {
  constructor(readonly status: number) {
    super(`status ${status}`);
  }
}

/** Returns what a call ending with `outcome` throws: a 404 for ignored, a plain error otherwise. */
export function thrownFor(outcome: ModelOutcome): Error {
  return outcome === 'ignored' ? new StatusError(404) : new Error('dependency failed');
}

/**
 * Tells a permit its outcome, through the classification when `classified` (a value for
 * `success`, a 503 or a 404 for `failure`) or directly otherwise.
 */
export function endPermit(permit: Permit, outcome: ModelOutcome, classified: boolean): void {
  if (outcome === 'success') return classified ? permit.success('value') : permit.success();

  if (outcome === 'ignored' && !classified) return permit.ignore();

  permit.failure(outcome === 'failure' && classified ? new StatusError(503) : thrownFor(outcome));
}

/** Awaits a call's promise and checks that its value or error reached the caller unchanged. */
export async function expectPassedThrough(
  promise: Promise<unknown>,
  value: unknown,
  error: unknown,
) {
  const settled = await promise.then(
    (result) => ({ result }),
    (thrown: unknown) => ({ thrown }),
  );

  expectEqual(settled, error === undefined ? { result: value } : { thrown: error });

  if (error !== undefined && (settled as { thrown: unknown }).thrown !== error) {
    expect((settled as { thrown: unknown }).thrown).toBe(error);
  }
}

/** Checks a rejection against the model's: its kind, and for an open circuit its fields. */
export function expectRejection(thrown: unknown, admission: ModelAdmission): void {
  expectEqual(admission.admitted, false);

  if (admission.admitted) return;

  if (admission.error === 'bulkhead-full') {
    expectEqual(isBulkheadFullError(thrown), true);

    return;
  }

  expectEqual(isCircuitOpenError(thrown), true);

  const { breaker, state, retryAfter } = thrown as CircuitOpenError;

  expectEqual(
    { breaker, state, retryAfter },
    { breaker: MODEL_BREAKER_NAME, state: admission.state, retryAfter: admission.retryAfter },
  );
}
