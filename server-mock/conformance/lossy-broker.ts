/**
 * A broker whose live delivery can be cut, for the conformance suite's `gap` scenario: what
 * a Redis subscriber connection dropping looks like to a gateway. Events published while a
 * target is cut are stored but never delivered live; when the cut ends, the target's
 * listeners are told to `resync`, as the Redis broker does after reconnecting. The gateway
 * then reads history, and says `gap` if the history no longer reaches back.
 */
import { targetKey, type Broker, type LiveEvent, type Target } from '../broker/broker.ts';

export function lossyBroker(inner: Broker) {
  const listeners = new Map<string, Set<(e: LiveEvent) => void>>();
  const cut = new Set<string>();

  const broker: Broker = {
    ...inner,
    subscribe(target, onEvent) {
      const key = targetKey(target);
      const listener = (e: LiveEvent) => {
        if (e.kind === 'event' && cut.has(key)) return;
        onEvent(e);
      };
      let set = listeners.get(key);
      if (!set) listeners.set(key, (set = new Set()));
      set.add(listener);
      const off = inner.subscribe(target, listener);
      return () => {
        set.delete(listener);
        off();
      };
    },
  };

  return {
    broker,
    /** Run `during` with the live delivery of `target` cut, then tell its listeners to resync. */
    async cut(target: Target, during: () => Promise<void>) {
      const key = targetKey(target);
      cut.add(key);
      try {
        await during();
        // The memory broker delivers in a later task: let what `during` published arrive (and be dropped).
        await new Promise((r) => setTimeout(r, 10));
      } finally {
        cut.delete(key);
      }
      for (const l of [...(listeners.get(key) ?? [])]) l({ kind: 'resync', target });
    },
  };
}
