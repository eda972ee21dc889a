import { CallCounts } from '../../lib/observability/call-counts.js';

describe('CallCounts', () => {
  it('starts every outcome of a breaker at 0', () => {
    const counts = new CallCounts();

    expect(counts.of('payments').counts).toEqual([0, 0, 0, 0, 0]);
  });

  it('counts calls by outcome, in the order of the outcomes', () => {
    const counts = new CallCounts();

    counts.count('payments', 'failure');
    counts.count('payments', 'failure');
    counts.count('payments', 'timeout');

    expect([...counts].map(({ counts: each }) => each)).toEqual([[0, 2, 0, 0, 1]]);
  });

  it('returns the same frozen labels object for every call of a series', () => {
    const counts = new CallCounts();
    const first = counts.count('payments', 'success');

    expect(counts.count('payments', 'success')).toBe(first);
    expect(first).toEqual({ breaker: 'payments', outcome: 'success' });
    expect(Object.isFrozen(first)).toBe(true);
    expect(counts.count('payments', 'failure')).not.toBe(first);
  });

  it('forgets a deleted breaker and starts it again at 0', () => {
    const counts = new CallCounts();

    counts.count('payments', 'success');
    counts.delete('payments');

    expect([...counts]).toEqual([]);
    expect(counts.of('payments').counts).toEqual([0, 0, 0, 0, 0]);
  });
});
