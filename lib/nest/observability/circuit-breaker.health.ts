import { Inject, Injectable, type OnModuleInit, Optional } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
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
  /**
   * Names of the breakers to check. When omitted, every breaker configured in the module options
   * or declared in code (decorated methods, injected breakers), but none created for other names.
   */
  breakers?: readonly string[];
}

/** The result of `CircuitBreakerHealthIndicator.isHealthy()`, as `@nestjs/terminus` expects. */
export type CircuitBreakerHealthResult<Key extends string = string> = Record<
  Key,
  { status: 'up' | 'down'; breakers: Record<string, BreakerHealth> }
>;

type InstanceWrapper = ReturnType<DiscoveryService['getProviders']>[number];

/**
 * Where Nest keeps what a class asks to be injected with: the constructor's parameter types, the
 * tokens given to `@Inject()` for parameters, and those given to `@Inject()` for properties.
 */
const DEPENDENCY_METADATA = {
  parameterTypes: 'design:paramtypes',
  parameterTokens: 'self:paramtypes',
  propertyTokens: 'self:properties_metadata',
} as const;

/**
 * A `@nestjs/terminus` health indicator for the application's breakers: down when any breaker
 * checked is open or forced open, with the state of each in the details. `@nestjs/terminus` is
 * loaded when the module starts if a provider or controller of the application is injected with
 * the indicator, so that a missing package stops bootstrap; else at the first check.
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
export class CircuitBreakerHealthIndicator implements OnModuleInit {
  private indicators: Promise<TerminusPackage.HealthIndicatorService> | undefined;

  constructor(
    private readonly registry: CircuitBreakerRegistry,
    private readonly discovery: DiscoveryService,
    @Optional()
    @Inject(OPTIONAL_PEER_LOADERS)
    private readonly loaders: OptionalPeerLoaders = DEFAULT_PEER_LOADERS,
  ) {}

  /**
   * Loads `@nestjs/terminus` when something in the application is injected with the indicator.
   * @throws Error naming the package to install when it cannot be loaded
   */
  async onModuleInit(): Promise<void> {
    const wrappers = [...this.discovery.getProviders(), ...this.discovery.getControllers()];

    if (wrappers.some(isInjectedWithIndicator)) await this.healthIndicators();
  }

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

/** Tells whether the provider or controller of `wrapper` asks for the health indicator. */
function isInjectedWithIndicator(wrapper: InstanceWrapper): boolean {
  const { inject, metatype } = wrapper;

  if (inject) return inject.includes(CircuitBreakerHealthIndicator);

  if (typeof metatype !== 'function') return false;

  const read = <T>(key: string): T[] => (Reflect.getMetadata(key, metatype) as T[]) ?? [];
  const tokens = [
    ...read<unknown>(DEPENDENCY_METADATA.parameterTypes),
    ...read<{ param: unknown }>(DEPENDENCY_METADATA.parameterTokens).map(({ param }) => param),
    ...read<{ type: unknown }>(DEPENDENCY_METADATA.propertyTokens).map(({ type }) => type),
  ];

  return tokens.includes(CircuitBreakerHealthIndicator);
}
