/**
 * A page environment the test drives by hand: go offline or online, wake or hide the page (as
 * `visibilitychange`/`pageshow`/`pagehide` would), and count who is listening. Its storage is
 * one map for both kinds, shared by every environment made with the same `storage` (a reload).
 */
import type { Environment, EnvironmentSignals, WebSocketConstructor } from '../core/environment.ts';

export function fakeEnvironment(storage = new Map<string, string>()) {
  let online = true;
  const watchers = new Set<EnvironmentSignals>();
  const env: Environment = {
    // Read at connect time: msw installs its WebSocket when the mock server starts listening.
    get WebSocket() {
      return globalThis.WebSocket as unknown as WebSocketConstructor;
    },
    isOnline: () => online,
    watch(signals) {
      watchers.add(signals);
      return () => void watchers.delete(signals);
    },
    storage: () => ({
      getItem: (k: string) => storage.get(k) ?? null,
      setItem: (k: string, v: string) => void storage.set(k, v),
    }),
  };
  return {
    env,
    goOffline() {
      online = false;
      for (const w of [...watchers]) w.offline();
    },
    goOnline() {
      online = true;
      for (const w of [...watchers]) w.online();
    },
    wake() {
      for (const w of [...watchers]) w.wake();
    },
    hide() {
      for (const w of [...watchers]) w.hide?.();
    },
    storage,
    listeners: () => watchers.size,
  };
}
