import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';

import { recordFeed } from '../../sample-app/demo/record.feed.js';

describe('recordFeed', () => {
  beforeEach(() => {
    jest.useFakeTimers();
  });

  afterEach(() => {
    jest.useRealTimers();
  });

  it('yields records 0 to records - 1, running beforeRecord just before each', async () => {
    const events: string[] = [];
    const feed = recordFeed({
      records: 3,
      intervalMs: 0,
      beforeRecord: (id) => {
        events.push(`before ${id}`);
      },
    });

    for await (const record of feed) events.push(`record ${record.id}`);

    expect(events).toEqual([
      'before 0',
      'record 0',
      'before 1',
      'record 1',
      'before 2',
      'record 2',
    ]);
  });

  it('yields record n intervalMs * n after the first', async () => {
    const feed = recordFeed({ records: 3, intervalMs: 40 });
    const start = Date.now();
    const times: [number, number][] = [];

    const consumed = (async () => {
      for await (const { id } of feed) times.push([id, Date.now() - start]);
    })();

    await jest.advanceTimersByTimeAsync(39);
    expect(times).toEqual([[0, 0]]);

    await jest.advanceTimersByTimeAsync(41);
    await consumed;
    expect(times).toEqual([
      [0, 0],
      [1, 40],
      [2, 80],
    ]);
  });

  it('yields at once a record asked for after it was due', async () => {
    const feed = recordFeed({ records: 3, intervalMs: 40 });

    await feed.next();
    jest.advanceTimersByTime(100);

    const times: [number, number][] = [];
    const start = Date.now();

    for await (const { id } of feed) times.push([id, Date.now() - start]);

    expect(times).toEqual([
      [1, 0],
      [2, 0],
    ]);
  });

  it('waits for an asynchronous beforeRecord before yielding', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const feed = recordFeed({ records: 1, intervalMs: 0, beforeRecord: () => gate });
    let yielded = false;

    const next = feed.next().then(() => (yielded = true));

    await jest.advanceTimersByTimeAsync(0);
    expect(yielded).toBe(false);

    release();
    await next;
    expect(yielded).toBe(true);
  });
});
