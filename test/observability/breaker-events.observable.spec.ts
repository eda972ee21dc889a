import { filter, firstValueFrom, take, toArray } from 'rxjs';
import { BreakerRegistry, type StateChangeEvent } from '../../lib/core/index.js';
import {
  breakerEvents,
  emitStateChanges,
  STATE_CHANGE_EVENT,
} from '../../lib/observability/index.js';

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
});
