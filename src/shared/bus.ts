/**
 * The group's message bus in one tab: what is sent reaches every other tab of the group (a
 * `BroadcastChannel`) or the SharedWorker (a port), and, with `loopback`, this tab's own
 * listeners too, so the leader's hub and its own tab hear each other like any other tab.
 */
import type { Message } from './messages.ts';
import type { PortLike } from './platform.ts';

export interface Bus {
  send(message: Message): void;
  listen(listener: (message: Message) => void): () => void;
  close(): void;
}

export function createBus(port: PortLike | undefined, loopback: boolean): Bus {
  const listeners = new Set<(message: Message) => void>();
  const deliver = (m: Message) => listeners.forEach((f) => f(m));
  if (port) port.onmessage = (e) => deliver(e.data as Message);
  return {
    send(m) {
      port?.postMessage(m);
      // Later, as another tab would get it: a listener that answers does not re-enter the sender.
      if (loopback) queueMicrotask(() => deliver(m));
    },
    listen(f) {
      listeners.add(f);
      return () => listeners.delete(f);
    },
    close() {
      listeners.clear();
      port?.close();
    },
  };
}
