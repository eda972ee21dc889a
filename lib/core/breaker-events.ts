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

/** One call of `add`: removing it takes out this registration and no other. */
interface Registration {
  readonly listener: AnyListener;
}

/**
 * Holds listeners per event of the event map `M`. A listener that throws is reported as a process
 * warning and never reaches the code that emitted the event. Adding one function twice registers
 * it twice, and each returned function removes one of the two.
 */
export class ListenerSet<M extends object = BreakerEventMap> {
  /** Created with the first listener: most breakers never have one. */
  private registrations: Map<keyof M, readonly Registration[]> | undefined = undefined;

  /** Number of listeners over all events; emitters skip building payloads when it is 0. */
  size = 0;

  /** Adds a listener and returns a function that removes it. */
  add<E extends keyof M>(event: E, listener: (event: M[E]) => void): () => void {
    const registrations = (this.registrations ??= new Map<keyof M, readonly Registration[]>());
    const registration: Registration = { listener: listener as AnyListener };

    // Copied on change, so that a listener removed while the event is emitted changes nothing
    // for that emit.
    registrations.set(event, [...(registrations.get(event) ?? []), registration]);
    this.size++;

    let removed = false;

    return () => {
      if (removed) return;

      removed = true;
      registrations.set(
        event,
        (registrations.get(event) ?? []).filter((each) => each !== registration),
      );
      this.size--;
    };
  }

  /** Tells whether `event` has any listener. */
  has(event: keyof M): boolean {
    return (this.registrations?.get(event)?.length ?? 0) > 0;
  }

  /** Calls every listener of `event` with `payload`. */
  emit<E extends keyof M>(event: E, payload: M[E]): void {
    const registrations = this.registrations?.get(event);

    if (registrations === undefined) return;

    for (const { listener } of registrations) {
      try {
        (listener as (event: M[E]) => void)(payload);
      } catch (error) {
        process.emitWarning(
          `A '${String(event)}' listener threw: ${error instanceof Error ? error.message : String(error)}`,
          { type: 'BreakerListenerWarning', detail: error instanceof Error ? error.stack : '' },
        );
      }
    }
  }
}
