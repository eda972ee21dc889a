import { Controller, Get, UseInterceptors } from '@nestjs/common';

import { CircuitBreakerInterceptor } from '../../lib/index.js';
import type { StockLevel } from '../downstream/downstream.server.js';
import { StockService } from './stock.service.js';

/** `GET /stock`: answers 503 with `Retry-After` while the circuit is open. */
@Controller('stock')
@UseInterceptors(CircuitBreakerInterceptor)
export class StockController {
  constructor(private readonly stock: StockService) {}

  /** Returns the stock level. */
  @Get()
  level(): Promise<StockLevel> {
    return this.stock.stockLevel();
  }
}
