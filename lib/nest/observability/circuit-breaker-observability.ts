import {
  Inject,
  Injectable,
  Optional,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type * as EventEmitterPackage from '@nestjs/event-emitter';
import {
  emitStateChanges,
  type EventEmitterLike,
} from '../../observability/breaker-events.observable.js';
import { attachOpenTelemetryMetrics } from '../../observability/opentelemetry-metrics.js';
import { loadOptionalPeer } from '../../observability/optional-peer.js';
import { attachPrometheusMetrics } from '../../observability/prometheus-metrics.js';
import { CIRCUIT_BREAKER_MODULE_OPTIONS } from '../circuit-breaker.module-definition.js';
import { CircuitBreakerRegistry } from '../circuit-breaker.registry.js';
import type { CircuitBreakerObservabilityOptions } from './circuit-breaker-observability-options.interface.js';
import { validateObservabilityOptions } from './circuit-breaker-observability-options.validator.js';
import {
  DEFAULT_PEER_LOADERS,
  OPTIONAL_PEER_LOADERS,
  type OptionalPeerLoaders,
} from './optional-peer-loaders.js';

/**
 * Starts the metrics and the `EventEmitter2` bridge the module options ask for when the module
 * starts, loading each optional package only then, and stops them when the application shuts
 * down. A package that is missing, or an `EventEmitter2` that is not provided, stops bootstrap.
 */
@Injectable()
export class CircuitBreakerObservability implements OnModuleInit, OnApplicationShutdown {
  private readonly detachers: (() => void)[] = [];

  constructor(
    private readonly registry: CircuitBreakerRegistry,
    private readonly moduleRef: ModuleRef,
    @Inject(CIRCUIT_BREAKER_MODULE_OPTIONS)
    private readonly options: CircuitBreakerObservabilityOptions = {},
    @Optional()
    @Inject(OPTIONAL_PEER_LOADERS)
    private readonly loaders: OptionalPeerLoaders = DEFAULT_PEER_LOADERS,
  ) {}

  /**
   * Attaches what the options enable. When one of them fails, those already attached are
   * detached before the error stops bootstrap.
   * @throws BreakerConfigError when an option is invalid, Error naming the package to install
   */
  async onModuleInit(): Promise<void> {
    validateObservabilityOptions(this.options);

    try {
      await this.attach(this.options);
    } catch (error) {
      this.onApplicationShutdown();

      throw error;
    }
  }

  /** Stops the metrics and the bridge, unregistering the Prometheus metrics. */
  onApplicationShutdown(): void {
    this.detachers.splice(0).forEach((detach) => detach());
  }

  private async attach({
    metrics = {},
    events = false,
  }: CircuitBreakerObservabilityOptions): Promise<void> {
    if (metrics.prometheus) {
      this.detachers.push(
        await attachPrometheusMetrics(this.registry, metrics.prometheus, this.loaders.promClient),
      );
    }

    if (metrics.openTelemetry) {
      this.detachers.push(
        await attachOpenTelemetryMetrics(
          this.registry,
          metrics.openTelemetry,
          this.loaders.openTelemetry,
        ),
      );
    }

    if (events) this.detachers.push(emitStateChanges(this.registry, await this.eventEmitter()));
  }

  /** Finds the application's `EventEmitter2`. */
  private async eventEmitter(): Promise<EventEmitterLike> {
    const { EventEmitter2 } = await loadOptionalPeer<typeof EventEmitterPackage>(
      this.loaders.eventEmitter,
      '@nestjs/event-emitter',
      'The "events" option',
    );

    try {
      return this.moduleRef.get(EventEmitter2, { strict: false });
    } catch (cause) {
      throw new Error(
        'The "events" option emits through EventEmitter2, which no module provides. Add ' +
          "EventEmitterModule.forRoot() from '@nestjs/event-emitter' to the application's imports.",
        { cause },
      );
    }
  }
}
