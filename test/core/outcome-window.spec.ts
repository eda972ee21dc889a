import { BreakerConfigError, type WindowSnapshot } from '../../lib/core/index.js';
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

  it('drops buckets on time before 0 as it does after', () => {
    const window = new TimeWindow(1_000, 4);

    window.record(true, false, -900);
    window.record(false, false, -100);

    expect(window.totals(-100)).toEqual({ calls: 2, failures: 1, slowCalls: 0 });
    expect(window.totals(100)).toEqual({ calls: 1, failures: 0, slowCalls: 0 });
    expect(window.totals(900)).toEqual({ calls: 0, failures: 0, slowCalls: 0 });
  });

  it('survives a JSON round trip before its first outcome', () => {
    const copy = new TimeWindow(1_000, 4);

    copy.restore(JSON.parse(JSON.stringify(new TimeWindow(1_000, 4).toJSON())) as WindowSnapshot);
    copy.record(true, false, 5_000);

    expect(copy.totals(5_000)).toEqual({ calls: 1, failures: 1, slowCalls: 0 });
  });
});

describe('restoring a window snapshot', () => {
  const zeros = (buckets: number) => Array.from({ length: buckets * 3 }, () => 0);
  const cases: [string, () => void, string][] = [
    [
      'a time snapshot into a count window',
      () => new CountWindow(3).restore({ kind: 'time', bucketIndex: 1, counts: zeros(3) }),
      'initialState.window',
    ],
    [
      'more outcomes than the count window holds',
      () => new CountWindow(2).restore({ kind: 'count', outcomes: [0, 1, 0] }),
      'initialState.window',
    ],
    [
      'an outcome that is not one of the four codes',
      () => new CountWindow(3).restore({ kind: 'count', outcomes: [0, 7] }),
      'initialState.window.outcomes',
    ],
    [
      'a count snapshot into a time window',
      () => new TimeWindow(1_000, 2).restore({ kind: 'count', outcomes: [] }),
      'initialState.window',
    ],
    [
      'another number of buckets',
      () => new TimeWindow(1_000, 2).restore({ kind: 'time', bucketIndex: 1, counts: zeros(3) }),
      'initialState.window',
    ],
    [
      'a bucket index that is not an integer',
      () => new TimeWindow(1_000, 2).restore({ kind: 'time', bucketIndex: 1.5, counts: zeros(2) }),
      'initialState.window.bucketIndex',
    ],
    [
      'more failures than calls in a bucket',
      () =>
        new TimeWindow(1_000, 2).restore({
          kind: 'time',
          bucketIndex: 1,
          counts: [1, 2, 0, 0, 0, 0],
        }),
      'initialState.window.counts',
    ],
    [
      'counts given as strings',
      () =>
        new TimeWindow(1_000, 2).restore({
          kind: 'time',
          bucketIndex: 1,
          counts: ['1', 0, 0, 0, 0, 0] as unknown as number[],
        }),
      'initialState.window.counts',
    ],
    [
      'counts without a newest bucket',
      () =>
        new TimeWindow(1_000, 2).restore({
          kind: 'time',
          bucketIndex: null,
          counts: [1, 0, 0, 0, 0, 0],
        }),
      'initialState.window.counts',
    ],
  ];

  it.each(cases)('refuses %s, naming the part that does not fit', (_case, restore, option) => {
    expect(restore).toThrow(BreakerConfigError);
    expect(restore).toThrow(expect.objectContaining({ option }) as Error);
  });

  it('leaves the window as it was when it refuses a snapshot', () => {
    const window = new CountWindow(3);

    window.record(true, false);

    expect(() => window.restore({ kind: 'count', outcomes: [9] })).toThrow(BreakerConfigError);
    expect(window.totals()).toEqual({ calls: 1, failures: 1, slowCalls: 0 });
  });
});
