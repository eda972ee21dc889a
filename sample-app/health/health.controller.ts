import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import type { HealthCheckResult } from '@nestjs/terminus';

import { CircuitBreakerHealthIndicator } from '../../lib/index.js';

/**
 * `GET /health`: 200 while the `downstream` breaker is closed or half-open, 503 with the
 * breaker's state in the body while it is open or forced open.
 */
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly breakers: CircuitBreakerHealthIndicator,
  ) {}

  /** Runs the health check; `@nestjs/terminus` turns a failed check into a 503. */
  @Get()
  @HealthCheck()
  check(): Promise<HealthCheckResult> {
    return this.health.check([
      () => this.breakers.isHealthy('circuit-breakers', { breakers: ['downstream'] }),
    ]);
  }
}
