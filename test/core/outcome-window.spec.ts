import { CountWindow, TimeWindow } from '../../lib/core/outcome-window.js';

describe('CountWindow', () => {
  it('subtracts the outcome that falls out of the ring', () => {
    const window = new CountWindow(3);

    window.record(true, true);
    window.record(false, false);
    window.record(false, false);
    expect(window.totals()).toEqual({ calls: 3, failures: 1, slowCalls: 1 });

    window.record(false, false);
    expect(window.totals()).toEqual({ calls: 3, failures: 0, slowCalls: 0 });
  });

  it('restores the outcomes it exported, oldest first', () => {
    const window = new CountWindow(3);

    [true, false, true, true].forEach((failed) => window.record(failed, false));

    const copy = new CountWindow(3);

    copy.restore(window.toJSON());
    copy.record(false, false);

    expect(copy.totals()).toEqual({ calls: 3, failures: 2, slowCalls: 0 });
  });
});

describe('TimeWindow', () => {
  it('drops whole buckets as time moves past them', () => {
    const window = new TimeWindow(1_000, 4);

    window.record(true, false, 0);
    window.record(false, false, 250);
    window.record(true, true, 999);

    expect(window.totals(999)).toEqual({ calls: 3, failures: 2, slowCalls: 1 });
    expect(window.totals(1_000)).toEqual({ calls: 2, failures: 1, slowCalls: 1 });
    expect(window.totals(1_250)).toEqual({ calls: 1, failures: 1, slowCalls: 1 });
  });

  it('is empty after an idle gap longer than the window', () => {
    const window = new TimeWindow(1_000, 10);

    for (let t = 0; t < 1_000; t += 10) window.record(true, false, t);

    expect(window.totals(5_000)).toEqual({ calls: 0, failures: 0, slowCalls: 0 });

    window.record(false, false, 5_001);
    expect(window.totals(5_001)).toEqual({ calls: 1, failures: 0, slowCalls: 0 });
  });

  it('records into the newest bucket when the clock goes back', () => {
    const window = new TimeWindow(1_000, 10);

    window.record(true, false, 500);
    window.record(true, false, 400);

    expect(window.totals(500)).toEqual({ calls: 2, failures: 2, slowCalls: 0 });
  });
});
