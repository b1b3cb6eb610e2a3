/**
 * The typed event emitter, on mitt: `on()` returns its unsubscribe function, and a listener
 * that throws is reported instead of stopping the listeners after it (mitt has neither).
 * Each `on` wraps the listener once, so the same function subscribed twice needs two
 * unsubscribes, as with `addEventListener`'s opposite.
 */
import mitt from 'mitt';

export interface Emitter<E extends Record<string, unknown>> {
  /** Listen to `type`; returns the function that stops listening. */
  on<K extends keyof E>(type: K, listener: (event: E[K]) => void): () => void;
  emit<K extends keyof E>(type: K, event: E[K]): void;
  /** How many listeners are registered, over all types. */
  size(): number;
}

/** `onThrow` receives what a listener threw; it must not throw itself. */
export function createEmitter<E extends Record<string, unknown>>(onThrow: (error: unknown) => void): Emitter<E> {
  const bus = mitt<E>();
  return {
    on(type, listener) {
      const safe = (event: E[typeof type]) => {
        try {
          listener(event);
        } catch (error) {
          onThrow(error);
        }
      };
      bus.on(type, safe);
      return () => bus.off(type, safe);
    },
    emit: bus.emit,
    size: () => [...bus.all.values()].reduce((n, list) => n + list.length, 0),
  };
}
