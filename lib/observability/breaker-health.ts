import type { Breaker, BreakerRegistry, BreakerState } from '../core/index.js';

/** One breaker's part of a health report. */
export interface BreakerHealth {
  state: BreakerState;
  /** Milliseconds until an open circuit admits probes. */
  retryAfter?: number;
}

/** The health of some breakers of a registry. */
export interface BreakerHealthReport {
  /** False when any breaker reported is open or forced open. */
  healthy: boolean;
  /** The state of each breaker reported, by name. */
  breakers: Record<string, BreakerHealth>;
}

/** The states in which a breaker makes a health check fail. */
export const UNHEALTHY_STATES: readonly BreakerState[] = ['open', 'forced-open'];

/**
 * Reports the state of the breakers named `names`, or when `names` is omitted of every breaker
 * configured in the registry's options or declared in code (decorated methods, injected
 * breakers): breakers created for other names, such as keys from user input, are reported only
 * when named, so that one caller's open circuit does not fail the application's health. It is
 * unhealthy when any of them is open or forced open; half-open is healthy, since probes are
 * getting through. A configured breaker that was never used is created to be reported.
 *
 * @param registry the breakers
 * @param names the breakers to report, configured or created
 * @throws TypeError when `names` is not an array of strings; Error listing the known breakers
 *   when a name is neither configured nor created
 */
export function checkBreakerHealth(
  registry: BreakerRegistry,
  names?: readonly string[],
): BreakerHealthReport {
  if (names !== undefined && !isStringArray(names)) {
    throw new TypeError(`"breakers" must be an array of breaker names; received ${String(names)}.`);
  }

  const created = new Map<string, Breaker>();

  for (const breaker of registry) created.set(breaker.name, breaker);

  const chosen = names ?? registry.configuredNames();
  const breakers: Record<string, BreakerHealth> = {};
  let healthy = true;

  for (const name of chosen) {
    const { state, retryAfter } = (created.get(name) ?? registry.get(name)).stats();

    breakers[name] =
      state === 'open' && retryAfter !== undefined ? { state, retryAfter } : { state };
    healthy &&= !UNHEALTHY_STATES.includes(state);
  }

  return { healthy, breakers };
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((each) => typeof each === 'string');
}
