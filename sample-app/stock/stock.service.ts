import { Injectable } from '@nestjs/common';

import { CircuitBreaker, currentCallSignal } from '../../lib/index.js';
import { DownstreamClient } from '../downstream/downstream.client.js';
import type { StockLevel } from '../downstream/downstream.server.js';

/** Reads stock levels from the downstream, with no fallback: an open circuit reaches the caller. */
@Injectable()
export class StockService {
  constructor(private readonly downstream: DownstreamClient) {}

  /** Fetches the stock level of the demo's only product. */
  @CircuitBreaker('downstream')
  stockLevel(): Promise<StockLevel> {
    return this.downstream.getJson<StockLevel>('/stock', currentCallSignal());
  }
}
