import { Observable } from 'rxjs';
import type { BreakerRegistry, StateChangeEvent } from '../core/index.js';

/**
 * Returns an Observable of the state changes of every breaker of `registry`, present and future.
 * Each subscription listens from the moment it subscribes until it unsubscribes; nothing is
 * replayed.
 *
 * @example
 * breakerEvents(breakers)
 *   .pipe(filter((event) => event.to === 'open'))
 *   .subscribe((event) => alerts.send(`${event.breaker} opened: ${event.reason}`));
 */
export function breakerEvents(registry: BreakerRegistry): Observable<StateChangeEvent> {
  return new Observable<StateChangeEvent>((subscriber) =>
    registry.on('state-change', (event) => subscriber.next(event)),
  );
}

/** The name under which state changes are emitted through `@nestjs/event-emitter`. */
export const STATE_CHANGE_EVENT = 'circuit-breaker.state-change';

/** Anything with an `emit(event, payload)` method, such as `EventEmitter2`. */
export interface EventEmitterLike {
  emit(event: string, payload: unknown): unknown;
}

/**
 * Emits every state change of every breaker of `registry` as `'circuit-breaker.state-change'`
 * through `emitter`, with the `StateChangeEvent` as payload.
 *
 * @returns a function that stops the emitting
 */
export function emitStateChanges(registry: BreakerRegistry, emitter: EventEmitterLike): () => void {
  return registry.on('state-change', (event) => {
    emitter.emit(STATE_CHANGE_EVENT, event);
  });
}
