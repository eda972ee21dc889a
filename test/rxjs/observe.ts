import type { Observable } from 'rxjs';

/** Subscribes to `observable` and keeps what the subscriber receives. */
export function observe<T>(observable: Observable<T>) {
  const seen = { values: [] as T[], error: undefined as unknown, completed: false };
  const subscription = observable.subscribe({
    next: (value) => seen.values.push(value),
    error: (error: unknown) => (seen.error = error),
    complete: () => (seen.completed = true),
  });

  return { seen, subscription };
}
