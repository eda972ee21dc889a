/** What `GET /health` answered: the status code and the state of each breaker it checked. */
export interface HealthReading {
  status: number;
  /** Breaker states by breaker name, from the details of every health indicator. */
  breakers: Record<string, string>;
}

/**
 * Reads the application's `GET /health` and `GET /metrics` the way a monitoring system would, so
 * the demo can show what they report at the end of each phase.
 */
export class ObservabilityProbe {
  /** The URL Prometheus would scrape. */
  readonly metricsUrl: string;
  /** The URL a load balancer or an orchestrator would poll. */
  readonly healthUrl: string;

  /** @param baseUrl base URL of the application, such as `http://127.0.0.1:3000` */
  constructor(baseUrl: string) {
    this.metricsUrl = new URL('/metrics', baseUrl).href;
    this.healthUrl = new URL('/health', baseUrl).href;
  }

  /** Requests `GET /health` and reads the breaker states from its body. */
  async readHealth(): Promise<HealthReading> {
    const response = await fetch(this.healthUrl);
    const body: unknown = await response.json().catch(() => undefined);

    return { status: response.status, breakers: breakerStates(body) };
  }

  /**
   * Requests `GET /metrics` once and keeps the samples of `metrics` whose value is not 0, metric
   * by metric in the order given.
   *
   * @param breaker keeps only the samples labelled with this breaker, when given
   * @throws Error when the endpoint does not answer 200
   */
  async readSamples(metrics: readonly string[], breaker?: string): Promise<string[]> {
    const response = await fetch(this.metricsUrl);
    const exposition = await response.text();

    if (!response.ok) {
      throw new Error(`GET ${this.metricsUrl} answered ${response.status}`);
    }

    const samples = metrics.flatMap((metric) => nonZeroSamples(exposition, metric));

    return breaker === undefined
      ? samples
      : samples.filter((sample) => sample.includes(`breaker="${breaker}"`));
  }
}

/**
 * Returns the sample lines of `metric` in a Prometheus text exposition whose value is not 0, in
 * the order they appear: the current state of a state gauge, the counters that moved.
 */
export function nonZeroSamples(exposition: string, metric: string): string[] {
  return exposition.split('\n').filter((line) => {
    const [series, value] = line.split(' ');
    const name = series.split('{')[0];

    return name === metric && value !== undefined && Number(value) !== 0;
  });
}

/**
 * Reads the breaker states from a `@nestjs/terminus` health report built by
 * `CircuitBreakerHealthIndicator`: `details.<key>.breakers.<name>.state`. Anything else in the
 * report is left out.
 */
export function breakerStates(body: unknown): Record<string, string> {
  const states: Record<string, string> = {};

  for (const indicator of Object.values(asRecord(asRecord(body).details))) {
    for (const [name, breaker] of Object.entries(asRecord(asRecord(indicator).breakers))) {
      const { state } = asRecord(breaker);

      if (typeof state === 'string') {
        states[name] = state;
      }
    }
  }

  return states;
}

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
}
