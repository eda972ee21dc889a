import { CALL_DURATION_BUCKETS_SECONDS, type CallLabels } from './call-outcomes.js';

/** One series of the histogram: the timed calls of one breaker with one outcome. */
interface DurationSeries {
  readonly labels: CallLabels;
  /** Calls per bucket, each counted only in the first bucket its duration fits in. */
  readonly bucketCounts: number[];
  sum: number;
  count: number;
}

/** One sample, in the shape prom-client's registry reads. */
interface HistogramSample {
  labels: Record<string, string | number>;
  sharedLabels?: CallLabels;
  value: number;
  metricName: string;
  exemplar: null | undefined;
}

/** The histogram, in the shape prom-client's registry reads. */
interface HistogramMetric {
  name: string;
  help: string;
  type: 'histogram';
  values: HistogramSample[];
  aggregator: 'sum';
}

/**
 * A call duration histogram by breaker and outcome that prom-client's registry exposes like one of
 * its own `Histogram`s, sample for sample, with `CALL_DURATION_BUCKETS_SECONDS` as buckets. Its
 * counts are plain numbers per series, found by the series' labels object, so that a call costs no
 * label validation or hashing; they become samples when the registry is scraped.
 */
export class PrometheusDurationHistogram {
  /** The metric type, as prom-client's registry reads it. */
  readonly type = 'histogram';

  /** How prom-client's cluster registry merges the workers' samples. */
  readonly aggregator = 'sum';

  private readonly series = new Map<CallLabels, DurationSeries>();

  /**
   * @param name the metric's name, prefix included
   * @param help the metric's description
   */
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}

  /**
   * Records one call of `seconds` in the series `labels`. The same labels object must be passed
   * for every call of a series, as `callLabelsOf` makes them.
   */
  observe(labels: CallLabels, seconds: number): void {
    // A clock that returns something other than a number would poison the sum for good.
    if (!Number.isFinite(seconds)) return;

    let found = this.series.get(labels);

    if (found === undefined) {
      found = {
        labels,
        bucketCounts: CALL_DURATION_BUCKETS_SECONDS.map(() => 0),
        sum: 0,
        count: 0,
      };
      this.series.set(labels, found);
    }

    const bucket = bucketOf(seconds);

    found.sum += seconds;
    found.count++;

    if (bucket !== -1) found.bucketCounts[bucket]++;
  }

  /** Removes every series of `breaker`. */
  remove(breaker: string): void {
    for (const labels of this.series.keys()) {
      if (labels.breaker === breaker) this.series.delete(labels);
    }
  }

  /** Removes every series, as prom-client's `Registry.resetMetrics()` asks. */
  reset(): void {
    this.series.clear();
  }

  /**
   * Returns the samples with the series' labels apart from each sample's own, as the registry's
   * text exposition reads them.
   */
  getForPromString(): Promise<HistogramMetric> {
    return Promise.resolve(this.collect());
  }

  /** Returns the samples with all their labels in one object, as `getMetricsAsJSON` lists them. */
  get(): Promise<HistogramMetric> {
    const metric = this.collect();
    const values = metric.values.map(({ sharedLabels, labels, ...rest }) => ({
      ...rest,
      labels: { ...labels, ...sharedLabels },
    }));

    return Promise.resolve({ ...metric, values });
  }

  private collect(): HistogramMetric {
    const bucketName = `${this.name}_bucket`;
    const values: HistogramSample[] = [];

    for (const { labels, bucketCounts, sum, count } of this.series.values()) {
      let cumulative = 0;

      CALL_DURATION_BUCKETS_SECONDS.forEach((le, index) => {
        cumulative += bucketCounts[index];
        values.push(sample({ le }, labels, cumulative, bucketName, null));
      });
      values.push(
        sample({ le: '+Inf' }, labels, count, bucketName, null),
        sample({}, labels, sum, `${this.name}_sum`, undefined),
        sample({}, labels, count, `${this.name}_count`, undefined),
      );
    }

    return {
      name: this.name,
      help: this.help,
      type: this.type,
      values,
      aggregator: this.aggregator,
    };
  }
}

/** The index of the first bucket `seconds` fits in, or -1 past the last one. */
function bucketOf(seconds: number): number {
  for (let index = 0; index < CALL_DURATION_BUCKETS_SECONDS.length; index++) {
    if (seconds <= CALL_DURATION_BUCKETS_SECONDS[index]) return index;
  }

  return -1;
}

function sample(
  labels: Record<string, string | number>,
  sharedLabels: CallLabels,
  value: number,
  metricName: string,
  exemplar: null | undefined,
): HistogramSample {
  return { labels, sharedLabels, value, metricName, exemplar };
}
