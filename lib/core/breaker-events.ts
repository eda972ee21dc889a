import type { StateChangeEvent } from './breaker-snapshot.js';

/** The payload of per-call events. */
export interface CallEvent {
  /** The breaker's name. */
  breaker: string;
  /** How long the call lasted on the breaker's clock, when the breaker measures call times. */
  durationMs?: number;
  /** The error the call ended with, or the rejection (`'rejected'`). */
  error?: unknown;
}

/** Events a breaker emits, with their payloads. */
export interface BreakerEventMap {
  'state-change': StateChangeEvent;
  success: CallEvent;
  failure: CallEvent;
  ignored: CallEvent;
  rejected: CallEvent;
  timeout: CallEvent;
}

/** The name of an event a breaker emits. */
export type BreakerEventName = keyof BreakerEventMap;

/** A listener for one breaker event. */
export type BreakerListener<E extends BreakerEventName> = (event: BreakerEventMap[E]) => void;

type AnyListener = (event: never) => void;

/**
 * Holds listeners per event. A listener that throws is reported as a process warning and never
 * reaches the code that emitted the event.
 */
export class ListenerSet {
  /** Created with the first listener: most breakers never have one. */
  private listeners: Map<BreakerEventName, readonly AnyListener[]> | undefined;

  /** Number of listeners over all events; emitters skip building payloads when it is 0. */
  size = 0;

  /** Adds a listener and returns a function that removes it. */
  add<E extends BreakerEventName>(event: E, listener: BreakerListener<E>): () => void {
    const listeners = (this.listeners ??= new Map<BreakerEventName, readonly AnyListener[]>());

    listeners.set(event, [...(listeners.get(event) ?? []), listener as AnyListener]);
    this.size++;

    let removed = false;

    return () => {
      if (removed) return;

      removed = true;
      listeners.set(
        event,
        (listeners.get(event) ?? []).filter((each) => each !== listener),
      );
      this.size--;
    };
  }

  /** Tells whether `event` has any listener. */
  has(event: BreakerEventName): boolean {
    return (this.listeners?.get(event)?.length ?? 0) > 0;
  }

  /** Calls every listener of `event` with `payload`. */
  emit<E extends BreakerEventName>(event: E, payload: BreakerEventMap[E]): void {
    const listeners = this.listeners?.get(event);

    if (listeners === undefined) return;

    for (const listener of listeners) {
      try {
        (listener as BreakerListener<E>)(payload);
      } catch (error) {
        process.emitWarning(
          `A '${event}' listener threw: ${error instanceof Error ? error.message : String(error)}`,
          { type: 'BreakerListenerWarning', detail: error instanceof Error ? error.stack : '' },
        );
      }
    }
  }
}
