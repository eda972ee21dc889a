import { Breaker } from './breaker.js';
import type { BreakerState } from './breaker-state.js';
import type { BreakerOptions } from './breaker-options.js';
import {
  ListenerSet,
  type BreakerEventMap,
  type BreakerEventName,
  type BreakerListener,
} from './breaker-events.js';
import { BreakerConfigError } from './errors.js';
import {
  checkOptionEntries,
  MAX_TIMER_MS,
  validateBreakerOptions,
  type OptionCheck,
} from './validate-options.js';

/** Options of a `BreakerRegistry`. */
export interface BreakerRegistryOptions {
  /** Options every breaker of the registry starts from. */
  defaults?: BreakerOptions;
  /** Named breakers; each entry is merged over `defaults`. */
  breakers?: Record<string, BreakerOptions>;
  /**
   * Most breakers kept for names outside `breakers` and not declared with `declare()`, such as
   * keys from user input. Past it, each creation drops the least recently used idle closed ones
   * from the registry. The breaker just created is never dropped, so that it can trip: while every
   * other one is open or busy, the registry holds more than `maxBreakers` until a later creation
   * finds an idle closed one to drop.
   * @default Infinity
   */
  maxBreakers?: number;
}

/** Events of the registry itself, beside the breaker events it forwards. */
export interface RegistryEventMap extends BreakerEventMap {
  created: Breaker;
  evicted: Breaker;
}

type RegistryListener<E extends keyof RegistryEventMap> = (event: RegistryEventMap[E]) => void;

/** The registry's own events, without the breaker events it forwards. */
type LifecycleEventMap = Pick<RegistryEventMap, 'created' | 'evicted'>;

const isOptionObject = (value: unknown): boolean =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const REGISTRY_CHECKS: Record<keyof BreakerRegistryOptions, OptionCheck> = {
  // The breaker options inside both are checked by validateBreakerOptions.
  defaults: (value) => (isOptionObject(value) ? undefined : 'expected an object of options'),
  breakers: (value) =>
    isOptionObject(value) ? undefined : 'expected an object of breaker options by name',
  maxBreakers: (value) =>
    value === Infinity || (Number.isInteger(value) && (value as number) >= 1)
      ? undefined
      : 'expected an integer >= 1 or Infinity',
};

interface Forwarding {
  event: BreakerEventName;
  listener: (event: never) => void;
  /** Removes the listener from each breaker it was added to. */
  removers: Set<() => void>;
}

/**
 * Holds named breakers with inherited configuration: `defaults`, then the named entry, then the
 * overrides given at creation. While any breaker is open it keeps one unref'd timer for the
 * earliest end of an open period, so half-open transitions and their events happen on time.
 */
export class BreakerRegistry implements Iterable<Breaker> {
  private readonly defaults: BreakerOptions;
  private readonly configured: ReadonlyMap<string, BreakerOptions>;
  /** Names declared in code with `declare()`: kept like configured ones. */
  private readonly declared = new Set<string>();
  private readonly maxBreakers: number;
  /** Created breakers, least recently used first. */
  private readonly entries = new Map<string, Breaker>();
  /** Per breaker, what removes the listeners forwarded to it; only breakers that have some. */
  private readonly forwarded = new WeakMap<Breaker, (() => void)[]>();
  private readonly forwardings = new Set<Forwarding>();
  private readonly lifecycle = new ListenerSet<LifecycleEventMap>();
  private readonly openBreakers = new Set<Breaker>();
  private dynamicCount = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;

  /**
   * @throws BreakerConfigError naming the option, such as `breakers.payments.timeout`, when an
   *   option is unknown, `null` or invalid
   */
  constructor(options: BreakerRegistryOptions = {}) {
    if (!isOptionObject(options)) {
      throw new BreakerConfigError('options', options, 'expected an object of registry options');
    }

    checkOptionEntries(options as Record<string, unknown>, REGISTRY_CHECKS, (key) => key);

    const { defaults = {}, breakers = {}, maxBreakers = Infinity } = options;

    validateBreakerOptions(defaults, 'defaults');

    for (const [name, entry] of Object.entries(breakers)) {
      validateBreakerOptions(entry, `breakers.${name}`);
      validateBreakerOptions({ ...defaults, ...entry }, `breakers.${name}`);
    }

    this.defaults = defaults;
    this.configured = new Map(Object.entries(breakers));
    this.maxBreakers = maxBreakers;
  }

  /**
   * Returns the breaker named `name`, creating a configured one on first use.
   * @throws Error listing the known names when `name` is neither configured nor created
   */
  get(name: string): Breaker {
    if (this.has(name)) return this.getOrCreate(name);

    const known = [...new Set([...this.configured.keys(), ...this.entries.keys()])];

    throw new Error(
      `No circuit breaker named "${name}". Known breakers: ${known.length ? known.join(', ') : 'none'}.`,
    );
  }

  /**
   * Returns the breaker named `name`, creating it on first use from `defaults`, its configured
   * entry and `overrides` (which apply only at creation).
   * @throws BreakerConfigError naming the breaker and the option, such as `search.timeout`, when
   *   the overrides are invalid
   */
  getOrCreate(name: string, overrides?: BreakerOptions): Breaker {
    const existing = this.entries.get(name);

    if (existing !== undefined) {
      // Only a capped registry needs its entries in order of use.
      if (this.maxBreakers !== Infinity && !this.isKept(name)) {
        this.entries.delete(name);
        this.entries.set(name, existing);
      }

      return existing;
    }

    return this.create(name, overrides);
  }

  /** Tells whether a breaker named `name` is configured or created. */
  has(name: string): boolean {
    return this.entries.has(name) || this.configured.has(name);
  }

  /**
   * Returns the breaker named `name`, creating it on first use as `getOrCreate()` does, and keeps
   * it like a configured one: it never counts toward `maxBreakers` and is never evicted. For
   * breakers the application names in code, such as those of decorated methods.
   * @throws BreakerConfigError naming the breaker and the option when the overrides are invalid
   */
  declare(name: string, overrides?: BreakerOptions): Breaker {
    const breaker = this.getOrCreate(name, overrides);

    if (!this.isKept(name)) {
      this.declared.add(name);
      this.dynamicCount--;
    }

    return breaker;
  }

  /** Names of the breakers configured in the options or declared in code, created or not. */
  configuredNames(): string[] {
    return [...new Set([...this.configured.keys(), ...this.declared])];
  }

  /**
   * Adds a listener for an event of every breaker, present and future, or for the registry's own
   * `'created'` and `'evicted'` events. Returns a function that removes it.
   */
  on<E extends keyof RegistryEventMap>(event: E, listener: RegistryListener<E>): () => void {
    if (event === 'created' || event === 'evicted') {
      return this.lifecycle.add(event, listener as (breaker: Breaker) => void);
    }

    const forwarding: Forwarding = {
      event: event as BreakerEventName,
      listener: listener as (event: never) => void,
      removers: new Set(),
    };

    for (const breaker of this.entries.values()) this.forward(breaker, forwarding);

    this.forwardings.add(forwarding);

    return () => {
      this.forwardings.delete(forwarding);
      forwarding.removers.forEach((remove) => remove());
    };
  }

  /** Releases the registry's timer. The breakers keep working. */
  close(): void {
    this.closed = true;

    if (this.timer !== undefined) clearTimeout(this.timer);

    this.timer = undefined;
  }

  [Symbol.iterator](): Iterator<Breaker> {
    return [...this.entries.values()][Symbol.iterator]();
  }

  private create(name: string, overrides: BreakerOptions | undefined): Breaker {
    const kept = this.isKept(name);
    const options = { ...this.defaults, ...this.configured.get(name), ...overrides, name };

    // The defaults and configured entries were checked when the registry was built.
    if (overrides !== undefined) {
      validateBreakerOptions(overrides, name);
      validateBreakerOptions(options, name);
    }

    const breaker = new Breaker(options);

    breaker.transitionHook = this.trackOpen;

    // A breaker restored open from `initialState` made no transition the hook could see.
    if (breaker.state === 'open') this.trackOpen(breaker, 'open');

    for (const forwarding of this.forwardings) this.forward(breaker, forwarding);

    this.entries.set(name, breaker);

    if (!kept) {
      this.dynamicCount++;
      this.evictBeyondCap(breaker);
    }

    this.lifecycle.emit('created', breaker);

    return breaker;
  }

  /** Tells whether `name` is configured or declared, and so never evicted. */
  private isKept(name: string): boolean {
    return this.configured.has(name) || this.declared.has(name);
  }

  private forward(breaker: Breaker, forwarding: Forwarding): void {
    const off = breaker.on(
      forwarding.event,
      forwarding.listener as BreakerListener<BreakerEventName>,
    );
    const remove = () => {
      off();
      forwarding.removers.delete(remove);
    };

    forwarding.removers.add(remove);

    const removers = this.forwarded.get(breaker);

    if (removers === undefined) {
      this.forwarded.set(breaker, [remove]);
    } else {
      removers.push(remove);
    }
  }

  /**
   * Drops least recently used idle closed breakers created outside the configuration while there
   * are more than `maxBreakers`. It never drops `created`, which nobody has used yet: when no
   * other breaker is idle and closed, the registry stays over the cap until one is.
   */
  private evictBeyondCap(created: Breaker): void {
    for (const [name, breaker] of this.entries) {
      if (this.dynamicCount <= this.maxBreakers) return;

      if (breaker === created || this.isKept(name) || breaker.state !== 'closed') continue;

      if (breaker.stats().inFlight !== 0) continue;

      this.entries.delete(name);
      this.dynamicCount--;
      breaker.transitionHook = undefined;
      this.forwarded.get(breaker)?.forEach((remove) => remove());
      this.forwarded.delete(breaker);
      this.openBreakers.delete(breaker);
      this.lifecycle.emit('evicted', breaker);
    }
  }

  /** Follows every breaker's state through its transition hook, shared by all of them. */
  private readonly trackOpen = (breaker: Breaker, state: BreakerState): void => {
    if (state === 'open') {
      this.openBreakers.add(breaker);
    } else {
      this.openBreakers.delete(breaker);
    }

    this.schedule();
  };

  /** Sets the one timer to the earliest end of an open period, or clears it. */
  private schedule(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);

    this.timer = undefined;

    if (this.closed || this.openBreakers.size === 0) return;

    let delay = Infinity;

    for (const breaker of this.openBreakers) {
      delay = Math.min(delay, breaker.msUntilHalfOpen() ?? Infinity);
    }

    if (delay === Infinity) return;

    // A longer open period is waited out in several turns: `wake` re-arms the timer.
    const delayMs = Math.min(MAX_TIMER_MS, Math.max(1, Math.ceil(delay)));

    this.timer = setTimeout(() => this.wake(), delayMs);
    this.timer.unref();
  }

  private wake(): void {
    this.timer = undefined;

    // Reading the state makes every due transition, which reschedules through `trackOpen`.
    for (const breaker of [...this.openBreakers]) void breaker.state;

    if (this.timer === undefined) this.schedule();
  }
}
