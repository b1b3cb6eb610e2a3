/**
 * The shape every observer shares (TanStack Query's QueryObserver, in small): `getSnapshot()`
 * returns the same object until something changes, `subscribe()` returns its unsubscribe
 * function, and work starts with the first subscriber and stops with the last. Stopping is
 * deferred by a task, so React StrictMode's mount–unmount–mount, or a hot reload, does not
 * undo and redo it (no second room join, no dropped listener).
 */
export interface Observable<T> {
  getSnapshot(): T;
  subscribe(listener: () => void): () => void;
}

export function createObservable<T>(initial: T, lifecycle: { start(): void; stop(): void }) {
  let value = initial;
  const listeners = new Set<() => void>();
  let running = false;
  let pendingStop: ReturnType<typeof setTimeout> | undefined;

  return {
    getSnapshot: () => value,
    set(next: T) {
      if (Object.is(next, value)) return;
      value = next;
      for (const l of [...listeners]) l();
    },
    update(patch: Partial<T>) {
      this.set({ ...value, ...patch });
    },
    subscribe(listener: () => void) {
      const own = () => listener();
      listeners.add(own);
      clearTimeout(pendingStop);
      pendingStop = undefined;
      if (!running) {
        running = true;
        lifecycle.start();
      }
      return () => {
        if (!listeners.delete(own) || listeners.size) return;
        pendingStop = setTimeout(() => {
          pendingStop = undefined;
          if (listeners.size || !running) return;
          running = false;
          lifecycle.stop();
        });
      };
    },
  };
}

/** A value's identity by content, for params: object keys in any order give the same key. */
export function valueKey(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) =>
    x && typeof x === 'object' && !Array.isArray(x)
      ? Object.fromEntries(Object.entries(x as Record<string, unknown>).sort(([p], [q]) => (p < q ? -1 : p > q ? 1 : 0)))
      : x,
  ) ?? 'undefined';
}
