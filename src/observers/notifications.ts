/**
 * The notifications this user received while observed, newest first and bounded, optionally
 * filtered by type; `onNotification` sees each one as it arrives (for a toast).
 */
import type { AnyClient, NotificationEvent } from '../core/index.ts';
import { createObservable, type Observable } from './observable.ts';

export type NotificationFilter = string | ((n: NotificationEvent) => boolean);

export interface NotificationsOptions {
  /** A notification `type`, or a predicate. */
  filter?: NotificationFilter | undefined;
  /** Most notifications kept. @default 50 */
  limit?: number;
  onNotification?: ((n: NotificationEvent) => void) | undefined;
}

export interface NotificationsObserver extends Observable<NotificationEvent[]> {
  /** Change the handler without resubscribing (bindings pass the latest render's). */
  setHandler(handler: ((n: NotificationEvent) => void) | undefined): void;
  clear(): void;
}

export function createNotificationsObserver(client: AnyClient, options: NotificationsOptions = {}): NotificationsObserver {
  const { filter, limit = 50 } = options;
  let handler = options.onNotification;
  let off: (() => void) | undefined;
  const matches = (n: NotificationEvent) => (filter === undefined ? true : typeof filter === 'string' ? n.type === filter : filter(n));
  const list = createObservable<NotificationEvent[]>([], {
    start() {
      off = client.on('notification', (n) => {
        if (!matches(n)) return;
        list.set([n, ...list.getSnapshot()].slice(0, limit));
        handler?.(n);
      });
    },
    stop() {
      off?.();
      off = undefined;
    },
  });
  return {
    getSnapshot: list.getSnapshot,
    subscribe: list.subscribe,
    setHandler(h) {
      handler = h;
    },
    clear: () => list.set([]),
  };
}
