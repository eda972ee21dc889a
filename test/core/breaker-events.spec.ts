import { jest } from '@jest/globals';
import { Breaker } from '../../lib/core/index.js';
import { ListenerSet } from '../../lib/core/breaker-events.js';
import { boom } from './test-clock.js';

describe('breaker listeners', () => {
  it('registers a function added twice twice, and each unsubscribe removes one of them', async () => {
    const breaker = new Breaker({ maxFailures: 10 });
    const listener = jest.fn();
    const first = breaker.on('failure', listener);
    const second = breaker.on('failure', listener);

    await expect(breaker.call(boom)).rejects.toThrow('boom');
    expect(listener).toHaveBeenCalledTimes(2);

    first();
    first();
    await expect(breaker.call(boom)).rejects.toThrow('boom');
    expect(listener).toHaveBeenCalledTimes(3);

    second();
    await expect(breaker.call(boom)).rejects.toThrow('boom');
    expect(listener).toHaveBeenCalledTimes(3);
  });

  it('keeps its listener count equal to the listeners it would call', () => {
    const listeners = new ListenerSet();
    const listener = jest.fn();
    const first = listeners.add('success', listener);
    const second = listeners.add('success', listener);

    first();
    expect(listeners.size).toBe(1);
    expect(listeners.has('success')).toBe(true);

    listeners.emit('success', { breaker: 'a' });
    expect(listener).toHaveBeenCalledTimes(1);

    second();
    expect(listeners.size).toBe(0);
    expect(listeners.has('success')).toBe(false);
  });

  it('calls the other listeners in order when one unsubscribes during the emit', () => {
    const listeners = new ListenerSet();
    const calls: string[] = [];
    const stopFirst = listeners.add('success', () => {
      calls.push('first');
      stopFirst();
    });

    listeners.add('success', () => calls.push('second'));
    listeners.emit('success', { breaker: 'a' });
    listeners.emit('success', { breaker: 'a' });

    expect(calls).toEqual(['first', 'second', 'second']);
  });

  it('reports a listener that throws as a process warning and calls the next one', () => {
    const listeners = new ListenerSet();
    const next = jest.fn();
    const warning = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);

    try {
      listeners.add('success', () => {
        throw new Error('listener bug');
      });
      listeners.add('success', next);

      expect(() => listeners.emit('success', { breaker: 'a' })).not.toThrow();
      expect(next).toHaveBeenCalledTimes(1);
      expect(warning).toHaveBeenCalledWith(
        "A 'success' listener threw: listener bug",
        expect.objectContaining({ type: 'BreakerListenerWarning' }),
      );
    } finally {
      warning.mockRestore();
    }
  });
});
