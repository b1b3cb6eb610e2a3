/**
 * A room while observed: joined on the first subscriber and left (a task later) after the
 * last, through the core's ref-counted room, so any number of components share one join.
 * Keeps the room's messages (bounded) beside its status and members.
 */
import type { AnyClient, RoomMessage, RoomSnapshot } from '../core/index.ts';
import { createObservable, type Observable } from './observable.ts';

export interface RoomState extends RoomSnapshot {
  /** Messages received while observed, oldest first. */
  messages: RoomMessage[];
}

export interface RoomObserver extends Observable<RoomState> {
  publish(event: string, data?: unknown): Promise<unknown>;
}

export function createRoomObserver(client: AnyClient, name: string, options: { limit?: number } = {}): RoomObserver {
  const { limit = 100 } = options;
  const room = client.room(name);
  let offs: (() => void)[] = [];
  const state = createObservable<RoomState>(
    { ...room.getSnapshot(), messages: [] },
    {
      start() {
        offs = [
          room.subscribe(() => state.update(room.getSnapshot())),
          room.on('message', (m) => state.update({ messages: [...state.getSnapshot().messages, m].slice(-limit) })),
        ];
        // Refusals show in the status; the promise needs no handler of its own.
        room.join().catch(() => {});
        state.update(room.getSnapshot());
      },
      stop() {
        for (const off of offs) off();
        offs = [];
        room.leave();
      },
    },
  );
  return {
    getSnapshot: state.getSnapshot,
    subscribe: state.subscribe,
    publish: (event, data) => room.publish(event, data),
  };
}
