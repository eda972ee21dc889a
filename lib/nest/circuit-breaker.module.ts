import { type DynamicModule, Module, type Provider } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { CircuitBreakerExplorer } from './circuit-breaker.explorer.js';
import { CircuitBreakerInterceptor } from './circuit-breaker.interceptor.js';
import { CircuitBreakerLogger } from './circuit-breaker.logger.js';
import {
  CircuitBreakerConfigurableModule,
  type CircuitBreakerModuleAsyncOptions,
  type CircuitBreakerModuleRootOptions,
} from './circuit-breaker.module-definition.js';
import { CircuitBreakerRegistry } from './circuit-breaker.registry.js';
import {
  getCircuitBreakerToken,
  getInjectedBreakerNames,
} from './inject-circuit-breaker.decorator.js';
import { CircuitBreakerHealthIndicator } from './observability/circuit-breaker.health.js';
import { CircuitBreakerObservability } from './observability/circuit-breaker-observability.js';

/**
 * Provides the application's named breakers: the `CircuitBreakerRegistry`, every breaker named by
 * `@InjectCircuitBreaker()`, the protection of methods decorated with `@CircuitBreaker()`, the
 * `CircuitBreakerInterceptor`, the `CircuitBreakerHealthIndicator`, logs of state changes, and
 * the metrics and events the options ask for.
 *
 * @example
 * @Module({
 *   imports: [
 *     CircuitBreakerModule.forRoot({
 *       isGlobal: true,
 *       defaults: { maxFailures: 5, timeout: 10_000 },
 *       breakers: { payments: { callTimeout: 2_000 } },
 *     }),
 *   ],
 * })
 * export class AppModule {}
 */
@Module({
  imports: [DiscoveryModule],
  providers: [
    CircuitBreakerRegistry,
    CircuitBreakerExplorer,
    CircuitBreakerLogger,
    CircuitBreakerInterceptor,
    CircuitBreakerObservability,
    CircuitBreakerHealthIndicator,
  ],
  exports: [CircuitBreakerRegistry, CircuitBreakerInterceptor, CircuitBreakerHealthIndicator],
})
export class CircuitBreakerModule extends CircuitBreakerConfigurableModule {
  /**
   * Configures the module with options known up front.
   * @param options breaker defaults, named breakers, `maxBreakers`, `logging` and `isGlobal`
   */
  static override forRoot(options: CircuitBreakerModuleRootOptions = {}): DynamicModule {
    return withInjectedBreakers(super.forRoot(options));
  }

  /**
   * Configures the module with options produced by a provider (`useFactory` with `inject`,
   * `useClass` or `useExisting`), such as options read from `ConfigService`.
   */
  static override forRootAsync(options: CircuitBreakerModuleAsyncOptions): DynamicModule {
    return withInjectedBreakers(super.forRootAsync(options));
  }
}

/**
 * Adds a provider for every name passed to `@InjectCircuitBreaker()`. The list is read when Nest
 * scans the module rather than when `forRoot()` runs, so that classes loaded after the call are
 * covered too.
 */
function withInjectedBreakers(definition: DynamicModule): DynamicModule {
  const { providers = [], exports = [] } = definition;

  return Object.defineProperties(
    { ...definition },
    {
      providers: {
        enumerable: true,
        get: (): Provider[] => [...providers, ...getInjectedBreakerNames().map(breakerProvider)],
      },
      exports: {
        enumerable: true,
        get: () => [...exports, ...getInjectedBreakerNames().map(getCircuitBreakerToken)],
      },
    },
  );
}

/**
 * Provides the named breaker, declared so that the registry keeps it. It waits for the explorer,
 * so that a breaker shared with a decorated method is created with that method's overrides.
 */
function breakerProvider(name: string): Provider {
  return {
    provide: getCircuitBreakerToken(name),
    useFactory: (registry: CircuitBreakerRegistry) => registry.declare(name),
    inject: [CircuitBreakerRegistry, CircuitBreakerExplorer],
  };
}
