import type { StateChangeEvent } from '../core/index.js';

/** Names a decorated method in messages. */
function describeMethod(className: string, methodName: string): string {
  return `${className}.${methodName}()`;
}

/**
 * Says that a request-scoped or transient provider cannot have protected methods.
 *
 * @param decorator the decorator that asked for protection, `@CircuitBreaker()` or `@Retry()`
 */
export function nonStaticProviderMessage(
  className: string,
  methodName: string,
  decorator: string,
): string {
  return (
    `${decorator} cannot protect ${describeMethod(className, methodName)}: ` +
    `"${className}" is request-scoped or transient, or depends on such a provider. ` +
    'Move the protected method to a singleton provider, or inject the breaker with ' +
    '@InjectCircuitBreaker() and call it yourself.'
  );
}

/**
 * Says that a static method cannot be protected: calls to it never go through an instance the
 * module binds.
 *
 * @param decorator the decorator that asked for protection, `@CircuitBreaker()` or `@Retry()`
 */
export function staticMethodMessage(
  className: string,
  methodName: string,
  decorator: string,
): string {
  return (
    `${decorator} cannot protect ${describeMethod(className, methodName)}: it is static, and ` +
    'only methods of provider and controller instances can be protected. Make it an instance ' +
    'method, or inject the breaker with @InjectCircuitBreaker() and call it yourself.'
  );
}

/**
 * Says that the application imports the module more than once and that the module of a protected
 * method's class has no single one of those imports to use.
 *
 * @param decorator the decorator that asked for protection, `@CircuitBreaker()` or `@Retry()`
 * @param problem what the class's module sees of the imports, such as `imports none of them`
 */
export function unclearModuleMessage(
  className: string,
  methodName: string,
  decorator: string,
  problem: string,
): string {
  return (
    `${decorator} cannot protect ${describeMethod(className, methodName)}: the application ` +
    `imports CircuitBreakerModule more than once, and the module that provides "${className}" ` +
    `${problem}, so which configuration applies is unclear. Import CircuitBreakerModule into ` +
    'that module, or only once in the application.'
  );
}

/** Says that a fallback method named by `@CircuitBreaker()` does not exist. */
export function missingFallbackMethodMessage(
  className: string,
  methodName: string,
  fallback: string,
): string {
  return (
    `@CircuitBreaker() on ${describeMethod(className, methodName)} names the fallback ` +
    `"${fallback}", but "${className}" has no method of that name.`
  );
}

/** What can be wrong with a fallback class. */
const FALLBACK_CLASS_PROBLEMS = {
  unresolved: 'which is not a provider of any module. Add it to the providers of a module.',
  'no-handle': 'which has no handle(error, context) method.',
};

/** Says that a fallback class is not a provider, or has no `handle()` method. */
export function fallbackClassMessage(
  className: string,
  methodName: string,
  fallbackClassName: string,
  problem: keyof typeof FALLBACK_CLASS_PROBLEMS,
): string {
  return (
    `@CircuitBreaker() on ${describeMethod(className, methodName)} names the fallback class ` +
    `"${fallbackClassName}", ${FALLBACK_CLASS_PROBLEMS[problem]}`
  );
}

/** Says that the `fallback` setting is neither a method name nor a class. */
export function invalidFallbackMessage(className: string, methodName: string): string {
  return (
    `@CircuitBreaker() on ${describeMethod(className, methodName)} has an invalid "fallback": ` +
    'expected the name of a method of the same class or an injectable class.'
  );
}

/** Says that the `fallbackOn` setting is not one of the allowed values. */
export function invalidFallbackOnMessage(
  className: string,
  methodName: string,
  value: unknown,
): string {
  return (
    `@CircuitBreaker() on ${describeMethod(className, methodName)} has an invalid "fallbackOn" ` +
    `(${String(value)}): expected 'rejection', 'failure' or 'any'.`
  );
}

/** Says that two methods share a breaker but ask for different options. */
export function conflictingOverridesMessage(
  breaker: string,
  first: { className: string; methodName: string },
  second: { className: string; methodName: string },
): string {
  return (
    `Breaker "${breaker}" is used by ${describeMethod(first.className, first.methodName)} and ` +
    `${describeMethod(second.className, second.methodName)} with different options; only one ` +
    'configuration could apply. Give both the same options, or move them to the "breakers" ' +
    'option of CircuitBreakerModule.'
  );
}

/**
 * Says that the options of a decorated method's breaker, once merged over the module's `defaults`
 * and the breaker's configured entry, are invalid.
 *
 * @param problem the message of the `BreakerConfigError`, naming the option and the value
 */
export function invalidMergedOptionsMessage(
  breaker: string,
  className: string,
  methodName: string,
  problem: string,
): string {
  return (
    `@CircuitBreaker() on ${describeMethod(className, methodName)} gives breaker "${breaker}" ` +
    `options that do not fit the module's defaults and its "breakers" entry: ${problem}`
  );
}

/** Says that a breaker was created before the overrides of its decorator could apply. */
export function createdBeforeOverridesMessage(
  breaker: string,
  className: string,
  methodName: string,
): string {
  return (
    `Breaker "${breaker}" was created before the options of @CircuitBreaker() on ` +
    `${describeMethod(className, methodName)} could apply. Move those options to the "breakers" ` +
    'option of CircuitBreakerModule.'
  );
}

/** Says that an option of `@Retry()` is invalid, naming it, the value and what is allowed. */
export function invalidRetryOptionMessage(
  className: string,
  methodName: string,
  option: string,
  value: string,
  expected: string,
): string {
  return (
    `@Retry() on ${describeMethod(className, methodName)} has an invalid option "${option}": ` +
    `received ${value}; ${expected}.`
  );
}

/** Says that `@Retry()` cannot keep a synchronous method synchronous. */
export function synchronousRetryMessage(className: string, methodName: string): string {
  return (
    `@Retry() cannot retry ${describeMethod(className, methodName)}: waiting between attempts ` +
    'turns the result into a promise, so the method must return one or an Observable. Make it ' +
    'async, or declare its return type as Promise<...> or Observable<...> (with Observable ' +
    'imported as a value, not through "import type", so that the type is recorded); any other ' +
    'declared return type is taken as synchronous.'
  );
}

/** What the `breakers` module option allows. */
export const BREAKERS_EXPECTED = 'expected an object of breaker options keyed by breaker name';

/** What the `logging` module option allows. */
export const LOGGING_EXPECTED = 'expected true or false';

/** What the module options allow as a whole. */
export const MODULE_OPTIONS_EXPECTED = 'expected an object';

/** Says which module options exist. */
export function unknownModuleOptionExpected(known: readonly string[]): string {
  return `expected one of ${known.map((key) => `"${key}"`).join(', ')}`;
}

/** Describes a state change for the log. */
export function stateChangeMessage(event: StateChangeEvent): string {
  return `Circuit "${event.breaker}" went from ${event.from} to ${event.to} (${event.reason}).`;
}
