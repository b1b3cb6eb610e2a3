/**
 * A call kept up to date: with params it runs as soon as it is observed, again when the
 * params change by value, and again after every reconnect (what the page shows may have
 * changed while it was away); without params it is lazy and runs on `call(params)`. Answers
 * to superseded runs are dropped, so a slow old answer never overwrites a newer one.
 */
import type { AnyClient, CallOptions } from '../core/index.ts';
import { createObservable, valueKey, type Observable } from './observable.ts';

export type CallStatus = 'idle' | 'loading' | 'success' | 'error';

export interface CallState<T> {
  status: CallStatus;
  /** The last successful result; kept while a newer run is loading or after it failed. */
  data: T | undefined;
  /** The error of the last run (`RpcError`, `TimeoutError`, …), cleared by the next success. */
  error: unknown;
}

export interface CallObserverOptions extends Pick<CallOptions, 'timeoutMs' | 'offline'> {
  /** Params of an automatic call; `undefined` makes the observer lazy. */
  params?: unknown;
}

export interface CallObserver<T> extends Observable<CallState<T>> {
  /** Change the params of an automatic call; it runs again if they differ by value. */
  setParams(params: unknown): void;
  /** Run the automatic call again now. */
  refetch(): Promise<T>;
  /** Run the call with `params` (the lazy form). */
  call(params?: unknown): Promise<T>;
  /** `call` for event handlers: returns nothing and never rejects; the outcome is in the state. */
  mutate(params?: unknown): void;
}

export function createCallObserver<T = unknown>(client: AnyClient, method: string, options: CallObserverOptions = {}): CallObserver<T> {
  let params = options.params;
  let auto = params !== undefined;
  // The params' content when last set, not the object: one mutated in place (a Vue reactive) still counts as a change.
  let key = valueKey(params);
  let run = 0;
  let offState: (() => void) | undefined;

  const state = createObservable<CallState<T>>(
    { status: 'idle', data: undefined, error: undefined },
    {
      start() {
        // A run made before the first connection waits in the outbox; only a *re*connection reruns.
        let wasConnected = client.getSnapshot().state === 'connected';
        offState = client.on('state', (e) => {
          if (e.to !== 'connected') return;
          // Also rerun a run that failed before the first connection (e.g. `offline: 'reject'`).
          if (auto && (wasConnected || state.getSnapshot().status === 'error')) void execute(params).catch(() => {});
          wasConnected = true;
        });
        if (auto) void execute(params).catch(() => {});
      },
      stop() {
        offState?.();
        offState = undefined;
      },
    },
  );

  async function execute(p: unknown): Promise<T> {
    const mine = ++run;
    state.update({ status: 'loading' });
    try {
      const data = (await client.call(method, p, { timeoutMs: options.timeoutMs, offline: options.offline })) as T;
      if (mine === run) state.set({ status: 'success', data, error: undefined });
      return data;
    } catch (error) {
      if (mine === run) state.update({ status: 'error', error });
      throw error;
    }
  }

  return {
    getSnapshot: state.getSnapshot,
    subscribe: state.subscribe,
    setParams(next) {
      const nextKey = valueKey(next);
      if (auto && nextKey === key) return;
      key = nextKey;
      params = next;
      auto = next !== undefined;
      if (auto) void execute(next).catch(() => {});
    },
    refetch: () => execute(params),
    call: (p) => execute(p),
    mutate: (p) => void execute(p).catch(() => {}),
  };
}
