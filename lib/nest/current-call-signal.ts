import { AsyncLocalStorage } from 'node:async_hooks';
import { NEVER_ABORTED } from '../core/call-permit.js';
import type { Permit } from '../core/index.js';

/** The permit of the protected call whose code is running, for calls that have a deadline. */
const callPermits = new AsyncLocalStorage<Permit>();

/**
 * Returns the `AbortSignal` of the protected call this code runs in: inside a method behind
 * `@CircuitBreaker()` whose breaker has a `callTimeout`, synchronously or after any number of
 * awaits, it aborts with the `CallTimeoutError` at that call's deadline, so that the method's own
 * work (an HTTP request, a query) stops when the breaker gives up on it. Each call, and each
 * attempt under `@Retry()`, has a signal of its own; for a method that returns an Observable it is
 * the signal of the subscription. Outside such a call, or when the breaker has no `callTimeout`,
 * returns a shared signal that never aborts. Code that runs inside a protected method without a
 * `callTimeout` that was itself called by one with a `callTimeout` sees the outer call's signal.
 *
 * The signal is created on the first read, so calls that never ask for it pay nothing for it.
 *
 * @example
 * @CircuitBreaker('pricing', { callTimeout: 2_000 })
 * async quote(symbol: string): Promise<Quote> {
 *   const response = await fetch(`${this.baseUrl}/quotes/${symbol}`, {
 *     signal: currentCallSignal(),
 *   });
 *
 *   return (await response.json()) as Quote;
 * }
 */
export function currentCallSignal(): AbortSignal {
  return callPermits.getStore()?.signal ?? NEVER_ABORTED;
}

/**
 * Runs `run` as the code of the call admitted by `permit`: `currentCallSignal()` returns the
 * permit's signal inside it and in everything it starts.
 */
export function runInCall<T>(permit: Permit, run: () => T): T {
  return callPermits.run(permit, run);
}
