/** A manual clock for breaker tests. */
export class TestClock {
  /** How many times the breaker read the clock. */
  reads = 0;

  constructor(public now = 1_000_000) {}

  /** The function handed to the breaker's `clock` option. */
  readonly read = () => {
    this.reads++;

    return this.now;
  };

  advance(ms: number): void {
    this.now += ms;
  }
}

/** An error carrying an HTTP status the way NestJS `HttpException` does. */
export class StatusError extends Error {
  constructor(private readonly status: number) {
    super(`status ${status}`);
  }

  getStatus(): number {
    return this.status;
  }
}

export const boom = () => Promise.reject(new Error('boom'));

export const ok = () => Promise.resolve('ok');
