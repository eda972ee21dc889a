import { filter, firstValueFrom, take, toArray } from 'rxjs';
import { BreakerRegistry, type StateChangeEvent } from '../../lib/core/index.js';
import {
  breakerEvents,
  emitStateChanges,
  STATE_CHANGE_EVENT,
} from '../../lib/observability/index.js';
import { TestClock } from '../core/test-clock.js';
import { fail, observedBreakers } from './observability-fixtures.js';

describe('breakerEvents', () => {
  it('emits the state changes of present and future breakers', async () => {
    const breakers = new BreakerRegistry();
    const present = breakers.getOrCreate('present');
    const received = firstValueFrom(breakerEvents(breakers).pipe(take(2), toArray()));

    present.forceOpen();
    breakers.getOrCreate('future').disable();

    expect(
      (await received).map(({ breaker, from, to, reason }) => ({ breaker, from, to, reason })),
    ).toEqual([
      { breaker: 'present', from: 'closed', to: 'forced-open', reason: 'forced-open' },
      { breaker: 'future', from: 'closed', to: 'disabled', reason: 'disabled' },
    ]);
  });

  it('composes with RxJS operators', async () => {
    const breakers = new BreakerRegistry();
    const breaker = breakers.getOrCreate('payments');
    const opened = firstValueFrom(breakerEvents(breakers).pipe(filter(({ to }) => to === 'open')));

    for (let i = 0; i < 5; i++)
      await breaker.call(() => Promise.reject(new Error('down'))).catch(() => undefined);

    expect(await opened).toMatchObject({
      breaker: 'payments',
      to: 'open',
      reason: 'consecutive-failures',
    });
  });

  it('carries the stats of the breaker as they stand at each transition', async () => {
    const clock = new TestClock(1_000);
    const breakers = observedBreakers(clock);
    const breaker = breakers.getOrCreate('payments');
    const received: StateChangeEvent[] = [];
    const subscription = breakerEvents(breakers).subscribe((event) => received.push(event));

    await breaker.call(fail).catch(() => undefined);
    clock.advance(10);
    await breaker.call(fail).catch(() => undefined);
    clock.advance(1_000);
    await breaker.call(() => 'probed');
    subscription.unsubscribe();

    expect(received.map(({ reason, stats }) => ({ reason, stats }))).toEqual([
      {
        reason: 'consecutive-failures',
        stats: expect.objectContaining({
          name: 'payments',
          state: 'open',
          calls: 2,
          successes: 0,
          failures: 2,
          failureRate: 1,
          consecutiveFailures: 2,
          inFlight: 0,
          openedAt: 1_010,
          retryAfter: 1_000,
        }),
      },
      {
        reason: 'open-elapsed',
        stats: expect.objectContaining({ state: 'half-open', openedAt: undefined }),
      },
      {
        reason: 'probes-succeeded',
        stats: expect.objectContaining({
          state: 'closed',
          calls: 0,
          failures: 0,
          consecutiveFailures: 0,
          openedAt: undefined,
          retryAfter: undefined,
        }),
      },
    ]);
  });

  it('stops listening when unsubscribed', () => {
    const breakers = new BreakerRegistry();
    const breaker = breakers.getOrCreate('payments');
    const received: StateChangeEvent[] = [];
    const subscription = breakerEvents(breakers).subscribe((event) => received.push(event));

    breaker.forceOpen();
    subscription.unsubscribe();
    breaker.reset();

    expect(received.map(({ to }) => to)).toEqual(['forced-open']);
  });
});

describe('emitStateChanges', () => {
  it("emits each state change as 'circuit-breaker.state-change' until stopped", () => {
    const breakers = new BreakerRegistry();
    const breaker = breakers.getOrCreate('payments');
    const emitted: [string, unknown][] = [];
    const stop = emitStateChanges(breakers, {
      emit: (event, payload) => emitted.push([event, payload]),
    });

    breaker.forceOpen();
    stop();
    breaker.reset();

    expect(STATE_CHANGE_EVENT).toBe('circuit-breaker.state-change');
    expect(emitted).toEqual([
      [
        'circuit-breaker.state-change',
        expect.objectContaining({ breaker: 'payments', from: 'closed', to: 'forced-open' }),
      ],
    ]);
  });

  it('emits the stats of the transition with each payload', async () => {
    const clock = new TestClock(1_000);
    const breakers = observedBreakers(clock);
    const breaker = breakers.getOrCreate('payments');
    const payloads: unknown[] = [];
    const stop = emitStateChanges(breakers, { emit: (_event, payload) => payloads.push(payload) });

    await breaker.call(fail).catch(() => undefined);
    await breaker.call(fail).catch(() => undefined);
    clock.advance(400);
    breaker.forceOpen();
    stop();

    expect(payloads).toEqual([
      expect.objectContaining({
        to: 'open',
        stats: expect.objectContaining({
          state: 'open',
          failures: 2,
          consecutiveFailures: 2,
          openedAt: 1_000,
          retryAfter: 1_000,
        }),
      }),
      expect.objectContaining({
        to: 'forced-open',
        // A forced-open circuit has no known end, so its stats carry no retryAfter.
        stats: expect.objectContaining({
          state: 'forced-open',
          failures: 2,
          openedAt: 1_400,
          retryAfter: undefined,
        }),
      }),
    ]);
  });
});
