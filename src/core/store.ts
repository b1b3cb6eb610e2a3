/**
 * A value that can be observed the way `useSyncExternalStore` and Vue refs want it:
 * `get()` returns the same object until `set()` replaces it, and `subscribe()` returns
 * its unsubscribe function. A throwing subscriber does not stop the others.
 */
import { createEmitter } from './emitter.ts';

export interface Store<T> {
  get(): T;
  set(next: T): void;
  subscribe(listener: () => void): () => void;
  /** How many subscribers there are. */
  size(): number;
}

export function createStore<T>(initial: T, onThrow: (error: unknown) => void): Store<T> {
  let value = initial;
  const changes = createEmitter<{ change: undefined }>(onThrow);
  return {
    get: () => value,
    set(next) {
      value = next;
      changes.emit('change', undefined);
    },
    subscribe: (listener) => changes.on('change', listener),
    size: changes.size,
  };
}
