/** Tells whether `value` can be awaited: a promise or any object with a `then` method. */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value instanceof Promise ||
    (((typeof value === 'object' && value !== null) || typeof value === 'function') &&
      typeof (value as { then?: unknown }).then === 'function')
  );
}

/**
 * A thenable that rejects with `error`. `Promise.resolve(rejection)` settles a microtask later,
 * after the caller's `await` has attached its handler, which spares Node the unhandled-rejection
 * bookkeeping that `Promise.reject(error)` costs.
 */
export class DeferredRejection {
  constructor(private readonly error: Error) {}

  then(_resolve: unknown, reject: (error: Error) => void): void {
    reject(this.error);
  }
}
