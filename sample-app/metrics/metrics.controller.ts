import type { ServerResponse } from 'node:http';

import { Controller, Get, Inject, Res } from '@nestjs/common';
import type { Registry } from 'prom-client';

/** Injection token of the prom-client `Registry` that holds the application's metrics. */
export const METRICS_REGISTRY = Symbol('METRICS_REGISTRY');

/** `GET /metrics`: every metric of the application's registry, for Prometheus to scrape. */
@Controller('metrics')
export class MetricsController {
  constructor(@Inject(METRICS_REGISTRY) private readonly registry: Registry) {}

  /** Renders the registry in the text format, with the content type that format calls for. */
  @Get()
  async scrape(@Res({ passthrough: true }) response: ServerResponse): Promise<string> {
    response.setHeader('content-type', this.registry.contentType);

    return this.registry.metrics();
  }
}
