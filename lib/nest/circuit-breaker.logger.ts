import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import type { StateChangeEvent } from '../core/index.js';
import type { CircuitBreakerModuleOptions } from './circuit-breaker-module-options.interface.js';
import { stateChangeMessage } from './circuit-breaker.messages.js';
import { CIRCUIT_BREAKER_MODULE_OPTIONS } from './circuit-breaker.module-definition.js';
import { CircuitBreakerRegistry } from './circuit-breaker.registry.js';

/**
 * Logs every state change of the registry's breakers through Nest's `Logger`, each line naming
 * the breaker: warn on open, forced-open and disabled, log on close, debug on half-open. Silent
 * when the module option `logging` is `false`.
 */
@Injectable()
export class CircuitBreakerLogger implements OnApplicationShutdown {
  private readonly logger = new Logger(CircuitBreakerLogger.name);
  private readonly unsubscribe: (() => void) | undefined;

  constructor(
    registry: CircuitBreakerRegistry,
    @Inject(CIRCUIT_BREAKER_MODULE_OPTIONS) options: CircuitBreakerModuleOptions = {},
  ) {
    if (options.logging === false) return;

    this.unsubscribe = registry.on('state-change', (event) => this.logStateChange(event));
  }

  /** Stops listening to the registry. */
  onApplicationShutdown(): void {
    this.unsubscribe?.();
  }

  /** Writes one state change at the level its target state calls for. */
  protected logStateChange(event: StateChangeEvent): void {
    const message = stateChangeMessage(event);

    switch (event.to) {
      case 'open':
      case 'forced-open':
      case 'disabled':
        this.logger.warn(message);
        break;
      case 'closed':
        this.logger.log(message);
        break;
      case 'half-open':
        this.logger.debug(message);
        break;
    }
  }
}
