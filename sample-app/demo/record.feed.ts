import type { StoredRecord } from '../downstream/downstream.server.js';

/** How many records a feed yields, how fast, and what runs before each one. */
export interface RecordFeedOptions {
  /** Records yielded, with ids 0 to `records - 1`. */
  records: number;
  /** Milliseconds between two records; 0 yields them as fast as they are taken. */
  intervalMs: number;
  /** Runs just before record `id` is yielded, such as a change of the downstream's mode. */
  beforeRecord?: (id: number) => void | Promise<void>;
}

/**
 * Yields records `{ id }` on a fixed schedule: record `n` is due `n * intervalMs` after the first.
 * A record asked for after it is due is yielded at once, so a late consumer does not shift the
 * records that come after it.
 */
export async function* recordFeed(options: RecordFeedOptions): AsyncGenerator<StoredRecord> {
  const start = performance.now();

  for (let id = 0; id < options.records; id++) {
    const wait = start + id * options.intervalMs - performance.now();

    if (wait > 0) {
      await new Promise((resolve) => setTimeout(resolve, wait));
    }

    await options.beforeRecord?.(id);

    yield { id };
  }
}
