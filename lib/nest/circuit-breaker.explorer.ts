import {
  Injectable,
  type OnApplicationShutdown,
  type OnModuleInit,
  type Type,
} from '@nestjs/common';
import { DiscoveryService, MetadataScanner, ModuleRef, ModulesContainer } from '@nestjs/core';
import { isObservable } from 'rxjs';
import { BreakerConfigError, type BreakerOptions, validateBreakerOptions } from '../core/index.js';
import type { CircuitBreakerFallback } from './circuit-breaker-fallback.interface.js';
import type { CircuitBreakerFallbackOn } from './circuit-breaker-method-options.interface.js';
import { CIRCUIT_BREAKER_METADATA, RETRY_METADATA } from './circuit-breaker.constants.js';
import type { CircuitBreakerMetadata } from './circuit-breaker.decorator.js';
import {
  CircuitBreakerInvoker,
  type FallbackHandler,
  type ReturnShape,
} from './circuit-breaker.invoker.js';
import {
  conflictingOverridesMessage,
  createdBeforeOverridesMessage,
  fallbackClassMessage,
  invalidFallbackMessage,
  invalidFallbackOnMessage,
  invalidMergedOptionsMessage,
  missingFallbackMethodMessage,
  nonStaticProviderMessage,
  unclearModuleMessage,
} from './circuit-breaker.messages.js';
import { CircuitBreakerRegistry } from './circuit-breaker.registry.js';
import {
  addEarlyBinder,
  type Dispatcher,
  installDispatcher,
} from './circuit-breaker.dispatcher.js';
import { chooseInstance, instancesOf, type NestModule } from './module-scope.js';
import type { RetryMetadata } from './retry.decorator.js';
import { defineRetry, RetryInvoker, type RetrySetup } from './retry.invoker.js';

type Method = (...args: unknown[]) => unknown;
type InstanceWrapper = ReturnType<DiscoveryService['getProviders']>[number];

/** A decorated method of one class, checked and ready to be bound to that class's instances. */
interface ProtectedMethod {
  className: string;
  methodName: string;
  /** The settings of `@CircuitBreaker()`; absent on a method that is only retried. */
  breaker: BreakerSetup | undefined;
  /** The settings of `@Retry()`; absent on a method that is not retried. */
  retry: RetrySetup | undefined;
  shape: ReturnShape;
  dispatcher: Dispatcher;
}

/** A method that carries the metadata of `@CircuitBreaker()`, `@Retry()` or both. */
interface DecoratedMethod {
  methodName: string;
  breaker: CircuitBreakerMetadata | undefined;
  retry: RetryMetadata | undefined;
}

/** The checked `@CircuitBreaker()` settings of one method. */
interface BreakerSetup {
  breakerName: string;
  overrides: BreakerOptions;
  fallback: string | Type<CircuitBreakerFallback> | undefined;
  fallbackOn: CircuitBreakerFallbackOn;
}

/** The first method that asked for a breaker, and the overrides it asked for. */
interface Claim {
  className: string;
  methodName: string;
  overrides: BreakerOptions;
}

const FALLBACK_ON_VALUES: readonly unknown[] = ['rejection', 'failure', 'any'];

/**
 * Puts the methods decorated with `@CircuitBreaker()` behind their breakers, and runs those
 * decorated with `@Retry()` under their retry policies, outside the breaker. At construction,
 * before routes are registered, it checks every decorated method of the class providers and
 * controllers, creates their breakers with the decorator's overrides and installs a dispatcher on
 * the class, so that route handlers keep their metadata. At module start it binds each instance,
 * refusing request-scoped and transient ones (an instance called before that is bound on demand),
 * and creates the configured breakers nothing has used yet.
 */
@Injectable()
export class CircuitBreakerExplorer implements OnModuleInit, OnApplicationShutdown {
  private readonly prepared = new WeakMap<object, readonly ProtectedMethod[]>();
  private readonly claims = new Map<string, Claim>();
  private readonly bound = new WeakSet<object>();
  private readonly removeEarlyBinder: () => void;
  /** The module this explorer belongs to: the one whose registry it fills. */
  private readonly ownModule: NestModule | undefined;

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly registry: CircuitBreakerRegistry,
    private readonly moduleRef: ModuleRef,
    private readonly modules: ModulesContainer,
  ) {
    this.ownModule = [...modules.values()].find(
      (module) => module.providers.get(CircuitBreakerRegistry)?.instance === registry,
    );

    for (const wrapper of this.wrappers()) {
      const prototype: unknown = wrapper.isNotMetatype ? undefined : wrapper.metatype?.prototype;

      if (typeof prototype === 'object' && prototype !== null) this.prepare(prototype);
    }

    // Until module start, a call on an instance nobody bound yet (from the onModuleInit hook of a
    // module initialised before this one) binds that instance first.
    this.removeEarlyBinder = addEarlyBinder((instance) => this.bindEarly(instance));
  }

  /**
   * Binds every instance that has decorated methods to its breakers and fallbacks, then creates
   * the configured breakers nothing has used yet, so that metrics and health checks show them
   * from the start.
   */
  onModuleInit(): void {
    this.removeEarlyBinder();

    for (const wrapper of this.wrappers()) this.bindWrapper(wrapper);

    for (const name of this.registry.configuredNames()) this.registry.get(name);
  }

  /** Stops binding on demand, for an application that closes before it started. */
  onApplicationShutdown(): void {
    this.removeEarlyBinder();
  }

  private bindEarly(instance: object): void {
    const wrapper = this.wrappers().find((candidate) => candidate.instance === instance);

    if (wrapper !== undefined) this.bindWrapper(wrapper);
  }

  private bindWrapper(wrapper: InstanceWrapper): void {
    const instance: unknown = wrapper.instance;

    if (typeof instance !== 'object' || instance === null || this.bound.has(instance)) return;

    const prototype: unknown = Object.getPrototypeOf(instance);

    if (prototype === null) return;

    const methods = this.prepare(prototype as object);

    if (methods.length === 0) return;

    if (wrapper.isTransient || !wrapper.isDependencyTreeStatic()) {
      const { className, methodName, breaker } = methods[0];

      throw new Error(nonStaticProviderMessage(className, methodName, decoratorOf(breaker)));
    }

    for (const method of methods) this.bind(instance, method);

    this.bound.add(instance);
  }

  /**
   * The providers and controllers this explorer protects. With several imports of the module in
   * one application, each protects the classes of the modules that see it, a module's own import
   * winning over a global one; a class with decorated methods whose module sees none of them, or
   * several of its own, stops bootstrap, since which configuration applies would be a guess.
   */
  private wrappers(): InstanceWrapper[] {
    const wrappers = [...this.discovery.getProviders(), ...this.discovery.getControllers()];
    const own = this.ownModule;
    const instances = own === undefined ? [] : instancesOf(this.modules, own.metatype);

    if (own === undefined || instances.length <= 1) return wrappers;

    return wrappers.filter((wrapper) => {
      const chosen = chooseInstance(wrapper.host, instances);

      if (typeof chosen !== 'string') return chosen === own;

      const prototype = classPrototypeOf(wrapper);
      const decorated = prototype && this.decoratedMethods(prototype)[0];

      if (decorated === undefined) return false;

      const { methodName, breaker } = decorated;
      const className = (prototype as object).constructor.name;

      throw new Error(unclearModuleMessage(className, methodName, decoratorOf(breaker), chosen));
    });
  }

  /** Finds, checks and claims the decorated methods of a class, once per prototype. */
  private prepare(prototype: object): readonly ProtectedMethod[] {
    const known = this.prepared.get(prototype);

    if (known !== undefined) return known;

    const methods = this.decoratedMethods(prototype).map(({ methodName, breaker, retry }) =>
      this.define(prototype, methodName, breaker, retry),
    );

    this.prepared.set(prototype, methods);

    return methods;
  }

  private decoratedMethods(prototype: object): DecoratedMethod[] {
    const methods: DecoratedMethod[] = [];

    for (const methodName of this.scanner.getAllMethodNames(prototype)) {
      const method = (prototype as Record<string, unknown>)[methodName] as object;
      const breaker = Reflect.getMetadata(CIRCUIT_BREAKER_METADATA, method) as
        CircuitBreakerMetadata | undefined;
      const retry = Reflect.getMetadata(RETRY_METADATA, method) as RetryMetadata | undefined;

      if (breaker === undefined && retry === undefined) continue;

      methods.push({ methodName, breaker, retry });
    }

    return methods;
  }

  private define(
    prototype: object,
    methodName: string,
    breakerMetadata: CircuitBreakerMetadata | undefined,
    retryMetadata: RetryMetadata | undefined,
  ): ProtectedMethod {
    const className = (prototype.constructor as { name: string }).name;
    const breaker =
      breakerMetadata && this.checkBreaker(prototype, className, methodName, breakerMetadata);
    const dispatcher = installDispatcher(prototype, methodName);
    const shape = returnShapeOf(prototype, methodName, dispatcher.original);
    const retry = retryMetadata && defineRetry(className, methodName, retryMetadata, shape);

    if (breaker !== undefined) {
      const { breakerName, overrides } = breaker;

      this.claim(breakerName, { className, methodName, overrides });
    }

    return { className, methodName, breaker, retry, shape, dispatcher };
  }

  private checkBreaker(
    prototype: object,
    className: string,
    methodName: string,
    metadata: CircuitBreakerMetadata,
  ): BreakerSetup {
    const { fallback, fallbackOn = 'rejection', ...overrides } = metadata.options;
    const breakerName = metadata.name ?? `${className}.${methodName}`;

    validateBreakerOptions(overrides, `${className}.${methodName}`);

    if (!FALLBACK_ON_VALUES.includes(fallbackOn)) {
      throw new Error(invalidFallbackOnMessage(className, methodName, fallbackOn));
    }

    if (typeof fallback === 'string') {
      if (typeof (prototype as Record<string, unknown>)[fallback] !== 'function') {
        throw new Error(missingFallbackMethodMessage(className, methodName, fallback));
      }
    } else if (fallback !== undefined && typeof fallback !== 'function') {
      throw new Error(invalidFallbackMessage(className, methodName));
    }

    return { breakerName, overrides, fallback, fallbackOn };
  }

  /**
   * Creates the breaker with the overrides of the first method that names it, and refuses a
   * second method that asks for other overrides: only one configuration could apply.
   */
  private claim(breakerName: string, claim: Claim): void {
    const earlier = this.claims.get(breakerName);

    if (earlier !== undefined) {
      if (!sameOptions(earlier.overrides, claim.overrides)) {
        throw new Error(conflictingOverridesMessage(breakerName, earlier, claim));
      }

      return;
    }

    const created = [...this.registry].some((breaker) => breaker.name === breakerName);

    if (created && Object.keys(claim.overrides).length > 0) {
      throw new Error(
        createdBeforeOverridesMessage(breakerName, claim.className, claim.methodName),
      );
    }

    this.claims.set(breakerName, claim);

    try {
      this.registry.declare(breakerName, claim.overrides);
    } catch (error) {
      if (!(error instanceof BreakerConfigError)) throw error;

      const { className, methodName } = claim;

      throw new Error(
        invalidMergedOptionsMessage(breakerName, className, methodName, error.message),
        { cause: error },
      );
    }
  }

  /** Binds the method to `instance`: fallback, then retry, then breaker, then the method. */
  private bind(instance: object, method: ProtectedMethod): void {
    const { breaker, retry, dispatcher } = method;
    const breakerInvoker = breaker && this.createBreakerInvoker(method, breaker);
    const invoker =
      retry === undefined
        ? breakerInvoker
        : new RetryInvoker({ ...retry, original: dispatcher.original, breaker: breakerInvoker });

    if (invoker !== undefined) dispatcher.bind(instance, invoker);
  }

  private createBreakerInvoker(
    method: ProtectedMethod,
    breaker: BreakerSetup,
  ): CircuitBreakerInvoker {
    return new CircuitBreakerInvoker({
      // Declared when the method was claimed, so the registry keeps it.
      breaker: this.registry.get(breaker.breakerName),
      original: method.dispatcher.original,
      shape: method.shape,
      fallback: this.resolveFallback(method, breaker),
      fallbackOn: breaker.fallbackOn,
    });
  }

  private resolveFallback(
    method: ProtectedMethod,
    breaker: BreakerSetup,
  ): FallbackHandler | undefined {
    const { className, methodName } = method;
    const { fallback, breakerName } = breaker;

    if (fallback === undefined) return undefined;

    if (typeof fallback === 'string') {
      return (instance, args, error) =>
        (instance as Record<string, Method>)[fallback].call(instance, ...args, error);
    }

    let handler: CircuitBreakerFallback;

    try {
      handler = this.moduleRef.get(fallback, { strict: false });
    } catch {
      throw new Error(fallbackClassMessage(className, methodName, fallback.name, 'unresolved'));
    }

    if (typeof handler?.handle !== 'function') {
      throw new Error(fallbackClassMessage(className, methodName, fallback.name, 'no-handle'));
    }

    return (_instance, args, error) =>
      handler.handle(error, { breaker: breakerName, className, methodName, args });
  }
}

/**
 * Tells how a method returns: `async` methods and methods declared to return `Promise` return
 * promises; methods declared to return an `Observable` return Observables; anything else is known
 * only once the method has returned.
 */
/** Names the decorator that asked for protection: `@CircuitBreaker()`, else `@Retry()`. */
function decoratorOf(breaker: object | undefined): string {
  return breaker === undefined ? '@Retry()' : '@CircuitBreaker()';
}

/** The prototype of a wrapper's class: its instance's, else its class's when it has one. */
function classPrototypeOf(wrapper: InstanceWrapper): object | undefined {
  const instance: unknown = wrapper.instance;

  if (typeof instance === 'object' && instance !== null) {
    return Object.getPrototypeOf(instance) ?? undefined;
  }

  const prototype: unknown = wrapper.isNotMetatype ? undefined : wrapper.metatype?.prototype;

  return typeof prototype === 'object' && prototype !== null ? prototype : undefined;
}

function returnShapeOf(prototype: object, methodName: string, original: Method): ReturnShape {
  if (original.constructor.name === 'AsyncFunction') return 'promise';

  const declared: unknown = Reflect.getMetadata('design:returntype', prototype, methodName);

  if (declared === Promise) return 'promise';

  if (typeof declared === 'function' && isObservable(declared.prototype)) return 'observable';

  return 'unknown';
}

/** Compares breaker overrides key by key, one level into nested option objects. */
function sameOptions(first: BreakerOptions, second: BreakerOptions): boolean {
  const firstEntries = Object.entries(first).filter(([, value]) => value !== undefined);
  const secondRecord = second as Record<string, unknown>;
  const secondKeys = Object.keys(second).filter((key) => secondRecord[key] !== undefined);

  if (firstEntries.length !== secondKeys.length) return false;

  return firstEntries.every(([key, value]) => sameValue(value, secondRecord[key]));
}

function sameValue(first: unknown, second: unknown): boolean {
  if (Object.is(first, second)) return true;

  if (typeof first !== 'object' || typeof second !== 'object' || !first || !second) return false;

  return sameOptions(first as BreakerOptions, second as BreakerOptions);
}
