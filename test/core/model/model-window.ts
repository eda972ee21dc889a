/** The windows the model understands, as written in `BreakerOptions.window`. */
export type ModelWindowConfig =
  { kind: 'count'; size: number } | { kind: 'time'; duration: number; buckets: number };

interface Recorded {
  failed: boolean;
  slow: boolean;
  at: number;
}

/**
 * A window that keeps every recorded outcome in a plain list and filters it on each read: the
 * last `size` outcomes, or those whose bucket is one of the last `buckets` buckets of
 * `duration / buckets` milliseconds each.
 */
export class ModelWindow {
  private recorded: Recorded[] = [];

  constructor(private readonly config: ModelWindowConfig) {}

  /** Adds one success or failure recorded at `now`. */
  add(failed: boolean, slow: boolean, now: number): void {
    this.recorded.push({ failed, slow, at: now });

    if (this.config.kind === 'count' && this.recorded.length > this.config.size) {
      this.recorded.shift();
    }
  }

  /** Counts the outcomes still inside the window at `now`. */
  totals(now: number): { calls: number; failures: number; slowCalls: number } {
    const inside = this.recorded.filter((each) => this.holds(each, now));

    return {
      calls: inside.length,
      failures: inside.filter((each) => each.failed).length,
      slowCalls: inside.filter((each) => each.slow).length,
    };
  }

  /** Forgets every outcome. */
  clear(): void {
    this.recorded = [];
  }

  /** Returns when the next bucket of a time window starts after `now`. */
  nextBucketStart(now: number): number | undefined {
    if (this.config.kind !== 'time') return undefined;

    const bucketMs = this.config.duration / this.config.buckets;

    return (Math.floor(now / bucketMs) + 1) * bucketMs;
  }

  private holds(recorded: Recorded, now: number): boolean {
    if (this.config.kind === 'count') return true;

    const bucketMs = this.config.duration / this.config.buckets;
    const newestBucket = Math.floor(now / bucketMs);

    return Math.floor(recorded.at / bucketMs) > newestBucket - this.config.buckets;
  }
}
