import { Inject, Injectable, Optional } from '@nestjs/common';
import type * as TerminusPackage from '@nestjs/terminus';
import { checkBreakerHealth, type BreakerHealth } from '../../observability/breaker-health.js';
import { loadOptionalPeer } from '../../observability/optional-peer.js';
import { CircuitBreakerRegistry } from '../circuit-breaker.registry.js';
import {
  DEFAULT_PEER_LOADERS,
  OPTIONAL_PEER_LOADERS,
  type OptionalPeerLoaders,
} from './optional-peer-loaders.js';

/** What `CircuitBreakerHealthIndicator.isHealthy()` checks. */
export interface CircuitBreakerHealthOptions {
  /** Names of the breakers to check. Every configured or created breaker when omitted. */
  breakers?: readonly string[];
}

/** The result of `CircuitBreakerHealthIndicator.isHealthy()`, as `@nestjs/terminus` expects. */
export type CircuitBreakerHealthResult<Key extends string = string> = Record<
  Key,
  { status: 'up' | 'down'; breakers: Record<string, BreakerHealth> }
>;

/**
 * A `@nestjs/terminus` health indicator for the application's breakers: down when any breaker
 * checked is open or forced open, with the state of each in the details. `@nestjs/terminus` is
 * loaded the first time a check runs.
 *
 * @example
 * @Get('health')
 * @HealthCheck()
 * check() {
 *   return this.health.check([
 *     () => this.breakers.isHealthy('circuit-breakers', { breakers: ['payments'] }),
 *   ]);
 * }
 */
@Injectable()
export class CircuitBreakerHealthIndicator {
  private indicators: Promise<TerminusPackage.HealthIndicatorService> | undefined;

  constructor(
    private readonly registry: CircuitBreakerRegistry,
    @Optional()
    @Inject(OPTIONAL_PEER_LOADERS)
    private readonly loaders: OptionalPeerLoaders = DEFAULT_PEER_LOADERS,
  ) {}

  /**
   * Checks the breakers named in `options.breakers`, or all of them.
   *
   * @param key the key of the result in the health check's report
   * @throws Error listing the known breakers when a name is unknown, or naming the package to
   *   install when `@nestjs/terminus` cannot be loaded
   */
  async isHealthy<const Key extends string>(
    key: Key,
    options: CircuitBreakerHealthOptions = {},
  ): Promise<CircuitBreakerHealthResult<Key>> {
    const { healthy, breakers } = checkBreakerHealth(this.registry, options.breakers);
    const session = (await this.healthIndicators()).check(key);

    return (
      healthy ? session.up({ breakers }) : session.down({ breakers })
    ) as CircuitBreakerHealthResult<Key>;
  }

  private healthIndicators(): Promise<TerminusPackage.HealthIndicatorService> {
    this.indicators ??= loadOptionalPeer<typeof TerminusPackage>(
      this.loaders.terminus,
      '@nestjs/terminus',
      'CircuitBreakerHealthIndicator',
    ).then(({ HealthIndicatorService }) => new HealthIndicatorService());

    return this.indicators;
  }
}
