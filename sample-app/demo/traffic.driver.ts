import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

/** One request the driver sent and what came back. */
export interface RequestRecord {
  route: string;
  status: number;
  latencyMs: number;
  /** True when the body says a fallback answered (`"source": "cache"`). */
  fallback: boolean;
  /** The `Retry-After` header, when the response carried one. */
  retryAfter: string | undefined;
}

/** Where and how fast the driver sends requests. */
export interface TrafficDriverOptions {
  /** Base URL of the application, such as `http://127.0.0.1:3000`. */
  baseUrl: string;
  /** Paths requested in turn, one per request. */
  routes: readonly string[];
  /** Milliseconds between the starts of two requests; 0 sends them back to back. */
  intervalMs: number;
}

/**
 * Sends real HTTP requests, one at a time, each starting `intervalMs` after the previous one
 * started. A request that outlasts the interval is followed at once, and the schedule continues
 * from there, so a hung request delays the traffic but never causes a burst.
 */
export class TrafficDriver {
  private nextStart: number | undefined;
  private sent = 0;

  /** @throws RangeError when `routes` is empty or `intervalMs` is negative */
  constructor(private readonly options: TrafficDriverOptions) {
    if (options.routes.length === 0) {
      throw new RangeError('TrafficDriver option "routes": received []; give at least one path.');
    }

    if (!(options.intervalMs >= 0)) {
      throw new RangeError(
        `TrafficDriver option "intervalMs": received ${options.intervalMs}; expected >= 0.`,
      );
    }
  }

  /**
   * Sends the next `requests` requests of the schedule, cycling through `routes`.
   *
   * @returns what came back, in order
   */
  async run(requests: number): Promise<RequestRecord[]> {
    const records: RequestRecord[] = [];

    for (let count = 0; count < requests; count++) {
      const now = performance.now();
      const startAt = Math.max(this.nextStart ?? now, now);

      if (startAt > now) {
        await sleep(startAt - now);
      }

      records.push(await this.send(this.nextRoute()));
      this.nextStart = startAt + this.options.intervalMs;
    }

    return records;
  }

  private nextRoute(): string {
    const route = this.options.routes[this.sent % this.options.routes.length];
    this.sent += 1;

    return route;
  }

  private async send(route: string): Promise<RequestRecord> {
    const started = performance.now();
    const response = await fetch(new URL(route, this.options.baseUrl));
    const body: unknown = await response.json().catch(() => undefined);

    return {
      route,
      status: response.status,
      latencyMs: performance.now() - started,
      fallback: isFallbackBody(body),
      retryAfter: response.headers.get('retry-after') ?? undefined,
    };
  }
}

function isFallbackBody(body: unknown): boolean {
  return typeof body === 'object' && body !== null && 'source' in body && body.source === 'cache';
}
