import { Injectable, ServiceUnavailableException } from '@nestjs/common';

import { CircuitBreaker, currentCallSignal } from '../../lib/index.js';
import { DownstreamClient } from '../downstream/downstream.client.js';
import type { Quote } from '../downstream/downstream.server.js';

/** A quote as the application serves it, saying whether it is fresh or from the cache. */
export interface QuoteResponse extends Quote {
  source: 'live' | 'cache';
}

/**
 * Serves the latest quote from the downstream, and the last quote it saw while the downstream is
 * failing or the circuit is open.
 */
@Injectable()
export class QuoteService {
  private lastQuote: Quote | undefined;

  constructor(private readonly downstream: DownstreamClient) {}

  /** Fetches the latest quote; falls back to {@link QuoteService.cachedQuote}. */
  @CircuitBreaker('downstream', { fallback: 'cachedQuote', fallbackOn: 'failure' })
  async latestQuote(): Promise<QuoteResponse> {
    const quote = await this.downstream.getJson<Quote>('/quote', currentCallSignal());
    this.lastQuote = quote;

    return { ...quote, source: 'live' };
  }

  /**
   * Answers with the last quote seen, when the breaker rejects the call or the call fails.
   *
   * @throws ServiceUnavailableException when no quote was ever fetched
   */
  cachedQuote(_error: unknown): QuoteResponse {
    if (this.lastQuote === undefined) {
      throw new ServiceUnavailableException('No quote available yet');
    }

    return { ...this.lastQuote, source: 'cache' };
  }
}
