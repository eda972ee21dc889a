import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { BreakerRegistry, type StateChangeEvent } from '../../lib/core/index.js';
import type { TestClock } from '../core/test-clock.js';

/** A dependency call that fails. */
export const fail = () => Promise.reject(new Error('down'));

/** A loader for a package that is not installed. */
export const notInstalled = () => Promise.reject(new Error('Cannot find package'));

/**
 * A registry on `clock` with `payments` (opens after 2 failures, for 1 s), `search` (times its
 * calls) and room for one breaker outside the configuration.
 */
export function observedBreakers(clock: TestClock): BreakerRegistry {
  return new BreakerRegistry({
    defaults: { clock: clock.read },
    breakers: {
      payments: { maxFailures: 2, timeout: 1_000 },
      search: { slowCallDuration: 5_000 },
    },
    maxBreakers: 1,
  });
}

/** Records the `'circuit-breaker.state-change'` events it receives through `@OnEvent()`. */
@Injectable()
export class StateChangeListener {
  readonly received: StateChangeEvent[] = [];

  @OnEvent('circuit-breaker.state-change')
  onStateChange(event: StateChangeEvent): void {
    this.received.push(event);
  }
}
