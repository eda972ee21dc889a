type Method = (...args: unknown[]) => unknown;

/** Runs the calls of a protected method on the instances bound to it. */
export interface MethodInvoker {
  /** Calls the method on `instance` with `args`, under the protection set up at bootstrap. */
  invoke(instance: object, args: unknown[]): unknown;
}

const DISPATCHER = Symbol('nestjs-breaker.dispatcher');

/** Binders of applications that are starting, asked about instances nobody has bound yet. */
const earlyBinders = new Set<(instance: object) => void>();

/**
 * Registers a function that binds an instance on demand, for calls that arrive before the
 * application has bound its instances. Returns a function that removes it.
 */
export function addEarlyBinder(binder: (instance: object) => void): () => void {
  earlyBinders.add(binder);

  return () => earlyBinders.delete(binder);
}

/** The per-instance routing behind a method replaced by `installDispatcher()`. */
export interface Dispatcher {
  /** The method as the class declared it. */
  readonly original: Method;
  /** Routes calls on `instance` through `invoker`. */
  bind(instance: object, invoker: MethodInvoker): void;
}

type DispatchingMethod = Method & { [DISPATCHER]?: Dispatcher };

/**
 * Replaces `prototype[methodName]` with a function that runs each call through the invoker bound
 * to the receiving instance. An instance nobody bound yet is first offered to the early binders of
 * starting applications; an instance none of them owns (a class used outside any application that
 * imports the module) gets the original method. The replacement
 * carries the original's reflect metadata, so route, guard and pipe decorators keep working.
 * Installing twice, or on a subclass that inherits a dispatcher, reuses the existing one.
 */
export function installDispatcher(prototype: object, methodName: string): Dispatcher {
  const current = (prototype as Record<string, DispatchingMethod>)[methodName];
  const existing = current[DISPATCHER];

  if (existing !== undefined) return existing;

  // The invoker is kept on the instance itself, under a key of this method's own: reading it
  // there costs a property load, where a WeakMap lookup would cost more than the breaker's whole
  // closed path. Instances that cannot take a property are kept in the WeakMap.
  const invokerKey = Symbol(`nestjs-breaker.invoker(${methodName})`);
  const invokers = new WeakMap<object, MethodInvoker>();
  const invokerOf = (instance: object): MethodInvoker | undefined =>
    (instance as Record<symbol, MethodInvoker | undefined>)[invokerKey] ?? invokers.get(instance);
  const dispatcher: Dispatcher = {
    original: current,
    bind: (instance, invoker) => {
      if (Object.isExtensible(instance)) {
        Object.defineProperty(instance, invokerKey, { value: invoker, configurable: true });
      } else {
        invokers.set(instance, invoker);
      }
    },
  };
  const dispatching: DispatchingMethod = function (this: object, ...args: unknown[]) {
    if (typeof this !== 'object' || this === null) return current.apply(this, args);

    let invoker = invokerOf(this);

    if (invoker === undefined && earlyBinders.size > 0) {
      earlyBinders.forEach((bindEarly) => bindEarly(this));
      invoker = invokerOf(this);
    }

    return invoker === undefined ? current.apply(this, args) : invoker.invoke(this, args);
  };

  for (const key of Reflect.getMetadataKeys(current) as unknown[]) {
    Reflect.defineMetadata(key, Reflect.getMetadata(key, current), dispatching);
  }

  Object.defineProperty(dispatching, 'name', { value: current.name });
  dispatching[DISPATCHER] = dispatcher;
  Object.defineProperty(prototype, methodName, {
    value: dispatching,
    writable: true,
    configurable: true,
    enumerable: false,
  });

  return dispatcher;
}
