import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { CircuitBreakerModuleOptions } from './circuit-breaker-module-options.interface.js';

/** Settings of `forRoot()` and `forRootAsync()` that shape the module rather than the breakers. */
export interface CircuitBreakerModuleExtras {
  /**
   * Registers the module globally, so that every module can inject the registry and named
   * breakers without importing it.
   * @default false
   */
  isGlobal?: boolean;
}

/**
 * The generated base class of `CircuitBreakerModule` with `forRoot()` and `forRootAsync()`, and
 * the token of the module options.
 */
export const {
  ConfigurableModuleClass: CircuitBreakerConfigurableModule,
  MODULE_OPTIONS_TOKEN: CIRCUIT_BREAKER_MODULE_OPTIONS,
  OPTIONS_TYPE: CIRCUIT_BREAKER_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: CIRCUIT_BREAKER_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<CircuitBreakerModuleOptions>({ moduleName: 'CircuitBreaker' })
  .setClassMethodName('forRoot')
  .setExtras<CircuitBreakerModuleExtras>({ isGlobal: false }, (definition, extras) => ({
    ...definition,
    global: extras.isGlobal,
  }))
  .build();

/** What `CircuitBreakerModule.forRoot()` accepts. */
export type CircuitBreakerModuleRootOptions = typeof CIRCUIT_BREAKER_OPTIONS_TYPE;

/** What `CircuitBreakerModule.forRootAsync()` accepts. */
export type CircuitBreakerModuleAsyncOptions = typeof CIRCUIT_BREAKER_ASYNC_OPTIONS_TYPE;
