import { BadGatewayException, Inject, Injectable } from '@nestjs/common';

/** Injection token of the downstream's base URL. */
export const DOWNSTREAM_URL = Symbol('DOWNSTREAM_URL');

/** Reads JSON from the downstream service and sends JSON to it over HTTP. */
@Injectable()
export class DownstreamClient {
  constructor(@Inject(DOWNSTREAM_URL) private readonly baseUrl: string) {}

  /**
   * Fetches `path` and parses its JSON body.
   *
   * @param signal aborts the request, such as the breaker's per-call deadline
   * @throws BadGatewayException when the downstream answers with a status other than 2xx
   */
  getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
    return this.exchange<T>(path, { signal });
  }

  /**
   * Sends `body` as JSON with `POST path` and parses the JSON answer.
   *
   * @param signal aborts the request, such as the breaker's per-call deadline
   * @throws BadGatewayException when the downstream answers with a status other than 2xx
   */
  postJson<T>(path: string, body: unknown, signal?: AbortSignal): Promise<T> {
    return this.exchange<T>(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal,
    });
  }

  private async exchange<T>(path: string, init: RequestInit): Promise<T> {
    const response = await fetch(new URL(path, this.baseUrl), init);

    if (!response.ok) {
      await response.body?.cancel();

      throw new BadGatewayException(`downstream answered ${response.status}`);
    }

    return (await response.json()) as T;
  }
}
