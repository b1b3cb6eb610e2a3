/**
 * A page environment the test drives by hand: go offline or online, wake the page (as
 * `visibilitychange`/`pageshow` would), and count who is listening.
 */
import type { Environment, EnvironmentSignals, WebSocketConstructor } from '../core/environment.ts';

export function fakeEnvironment() {
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
    listeners: () => watchers.size,
  };
}
