import { Controller, Get } from '@nestjs/common';

import { QuoteService } from './quote.service.js';
import type { QuoteResponse } from './quote.service.js';

/** `GET /quote`: always answers, from the cache when the downstream is unavailable. */
@Controller('quote')
export class QuoteController {
  constructor(private readonly quotes: QuoteService) {}

  /** Returns the latest quote, or the cached one. */
  @Get()
  latest(): Promise<QuoteResponse> {
    return this.quotes.latestQuote();
  }
}
