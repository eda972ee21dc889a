import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { type Observable, ReplaySubject, takeUntil } from 'rxjs';
import { BreakerRegistry, type StateChangeEvent } from '../core/index.js';
import { breakerEvents } from '../observability/breaker-events.observable.js';
import type { CircuitBreakerModuleOptions } from './circuit-breaker-module-options.interface.js';
import { validateModuleOptions } from './circuit-breaker-module-options.validator.js';
import { CIRCUIT_BREAKER_MODULE_OPTIONS } from './circuit-breaker.module-definition.js';

/**
 * The application's named breakers, built from the module options. Offers everything
 * `BreakerRegistry` does, iteration included, plus `events$`, and releases its timer when the
 * application shuts down.
 *
 * @example
 * constructor(private readonly breakers: CircuitBreakerRegistry) {}
 *
 * status() {
 *   return [...this.breakers].map((breaker) => breaker.stats());
 * }
 */
@Injectable()
export class CircuitBreakerRegistry extends BreakerRegistry implements OnApplicationShutdown {
  private readonly shutdown$ = new ReplaySubject<void>(1);

  /**
   * The state changes of every breaker, present and future, from the moment of subscription;
   * completes when the application shuts down.
   */
  readonly events$: Observable<StateChangeEvent> = breakerEvents(this).pipe(
    takeUntil(this.shutdown$),
  );

  /**
   * @param options the module options, checked before any breaker is configured
   * @throws BreakerConfigError naming the invalid option
   */
  constructor(@Inject(CIRCUIT_BREAKER_MODULE_OPTIONS) options: CircuitBreakerModuleOptions = {}) {
    const { defaults, breakers, maxBreakers } = validateModuleOptions(options);

    super({ defaults, breakers, maxBreakers });
  }

  /** Completes `events$` and releases the registry's timer. */
  onApplicationShutdown(): void {
    this.shutdown$.next();
    this.shutdown$.complete();
    this.close();
  }
}
