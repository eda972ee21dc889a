import { BreakerRegistry } from '../../lib/core/index.js';
import { checkBreakerHealth } from '../../lib/observability/index.js';
import { TestClock } from '../core/test-clock.js';

describe('checkBreakerHealth', () => {
  const clock = new TestClock();
  const configured = () =>
    new BreakerRegistry({
      defaults: { clock: clock.read, timeout: 30_000 },
      breakers: { payments: {}, inventory: {} },
    });

  it('is healthy while every breaker is closed, half-open or disabled', async () => {
    const breakers = configured();
    const payments = breakers.get('payments');

    payments.forceOpen();
    payments.reset();
    breakers.declare('search').disable();

    expect(checkBreakerHealth(breakers)).toEqual({
      healthy: true,
      breakers: {
        payments: { state: 'closed' },
        inventory: { state: 'closed' },
        search: { state: 'disabled' },
      },
    });
  });

  it('leaves out breakers created for names neither configured nor declared', () => {
    const breakers = configured();

    breakers.getOrCreate('tenant-42').forceOpen();

    expect(checkBreakerHealth(breakers)).toEqual({
      healthy: true,
      breakers: { payments: { state: 'closed' }, inventory: { state: 'closed' } },
    });
    expect(checkBreakerHealth(breakers, ['tenant-42']).healthy).toBe(false);
  });

  it('is unhealthy when a breaker is open, and tells when it admits probes', async () => {
    const breakers = configured();
    const payments = breakers.get('payments');

    for (let i = 0; i < 5; i++)
      await payments.call(() => Promise.reject(new Error('down'))).catch(() => undefined);

    clock.advance(10_000);

    expect(checkBreakerHealth(breakers, ['payments'])).toEqual({
      healthy: false,
      breakers: { payments: { state: 'open', retryAfter: 20_000 } },
    });
  });

  it('is unhealthy when a breaker is forced open', () => {
    const breakers = configured();

    breakers.get('inventory').forceOpen();

    expect(checkBreakerHealth(breakers)).toMatchObject({
      healthy: false,
      breakers: { inventory: { state: 'forced-open' } },
    });
  });

  it('reports only the listed breakers', () => {
    const breakers = configured();

    breakers.get('inventory').forceOpen();

    expect(checkBreakerHealth(breakers, ['payments'])).toEqual({
      healthy: true,
      breakers: { payments: { state: 'closed' } },
    });
  });

  it('refuses a name that is neither configured nor created, listing the known ones', () => {
    expect(() => checkBreakerHealth(configured(), ['paymnets'])).toThrow(
      'No circuit breaker named "paymnets". Known breakers: payments, inventory.',
    );
  });

  it('refuses a list that is not an array of names', () => {
    expect(() => checkBreakerHealth(configured(), 'payments' as never)).toThrow(TypeError);
  });
});
