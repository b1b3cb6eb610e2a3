/**
 * Rooms: ref-counted membership, so any number of components can join the same room and
 * the gateway sees one join and, after the last leave, one leave. A wanted room is joined
 * again after every reconnect from its last offset, so the gateway replays what it missed;
 * messages at or before that offset are duplicates and are dropped. When the gap was too
 * old to replay, the room emits `gap` so the app can refetch.
 */
import { compareOffsets } from '../protocol/offsets.ts';
import { RoomJoinResult, type PresenceChange, type RoomMessage } from '../protocol/server-frames.ts';
import { createEmitter, type Emitter } from './emitter.ts';
import { ClosedError, RpcError, TimeoutError } from './errors.ts';
import type { Timers } from './options.ts';
import { createStore, type Store } from './store.ts';
import type * as z from 'zod/mini';

export type RoomStatus = 'idle' | 'joining' | 'joined' | 'error';

export interface RoomSnapshot {
  /** `idle` until joined, `joining` while (re)joining, `joined`, or `error` when refused. */
  status: RoomStatus;
  /** User ids present in the room. */
  members: string[];
  /** Why the gateway refused the join (e.g. `RpcError` -32002 forbidden). */
  error?: unknown;
}

export interface RoomEvents extends Record<string, unknown> {
  /** A message published to the room. */
  message: RoomMessage;
  /** A user entered or left. */
  presence: PresenceChange;
  /** Messages were missed and could not be replayed: refetch the room's state. */
  gap: { room: string };
}

export interface Room {
  readonly name: string;
  /** Join (or add a reference to an existing join). Resolves once joined. */
  join(): Promise<void>;
  /** Drop one reference; the last one leaves the room. */
  leave(): void;
  /** Publish to the room, where the gateway allows it. A call: queued and deadlined like any other. */
  publish(event: string, data?: unknown, options?: { timeoutMs?: number; signal?: AbortSignal }): Promise<unknown>;
  on<K extends keyof RoomEvents>(type: K, listener: (event: RoomEvents[K]) => void): () => void;
  getSnapshot(): RoomSnapshot;
  subscribe(listener: () => void): () => void;
}

export interface RoomsOptions {
  timers: Timers;
  /** Default deadline of `join()`. */
  timeoutMs: number;
  /** A request on the live socket only, its result validated by `schema`. */
  control<S extends z.ZodMiniType>(method: string, params: unknown, schema?: S): Promise<z.infer<S>>;
  /** An ordinary call (outbox, resend). */
  call(method: string, params: unknown, options?: { timeoutMs?: number; signal?: AbortSignal }): Promise<unknown>;
  live(): boolean;
  onThrow(error: unknown): void;
}

interface Member {
  handle: Room;
  refs: number;
  offset?: string | undefined;
  store: Store<RoomSnapshot>;
  events: Emitter<RoomEvents>;
}

const idle: RoomSnapshot = { status: 'idle', members: [] };

export function createRooms(o: RoomsOptions) {
  const rooms = new Map<string, Member>();
  const patch = (r: Member, next: Partial<RoomSnapshot>) => r.store.set({ ...r.store.get(), ...next });

  function send(r: Member) {
    const room = r.handle.name;
    const since = r.offset;
    o.control('rooms.join', since ? { room, since } : { room }, RoomJoinResult).then(
      (res) => {
        if (!r.refs) return void o.control('rooms.leave', { room }).catch(() => {});
        if (!r.offset || compareOffsets(res.offset, r.offset) > 0) r.offset = res.offset;
        if (since && !res.recovered) r.events.emit('gap', { room });
        // The gateway follows this answer with a `presence` frame per member.
        patch(r, { status: 'joined', error: undefined, members: [] });
      },
      (error) => {
        // Only a refusal is final; a lost connection rejoins on the next one.
        if (error instanceof RpcError && r.refs) patch(r, { status: 'error', error });
      },
    );
  }

  function member(name: string): Member {
    const known = rooms.get(name);
    if (known) return known;
    const store = createStore(idle, o.onThrow);
    const events = createEmitter<RoomEvents>(o.onThrow);
    const handle: Room = {
      name,
      join() {
        rooms.set(name, m);
        if (++m.refs === 1) {
          patch(m, { status: 'joining' });
          if (o.live()) send(m);
        }
        return new Promise<void>((resolve, reject) => {
          const settle = (error?: unknown) => {
            unsubscribe();
            o.timers.clearTimeout(timer);
            if (error) reject(error);
            else resolve();
          };
          const check = () => {
            const { status, error } = store.get();
            if (status !== 'joining') settle(status === 'idle' ? new ClosedError(`Left ${name}`) : error);
          };
          const unsubscribe = store.subscribe(check);
          const timer = o.timers.setTimeout(() => settle(new TimeoutError(`Join ${name} timed out`)), o.timeoutMs);
          check();
        });
      },
      leave() {
        if (!m.refs || --m.refs) return;
        m.offset = undefined;
        store.set(idle);
        if (o.live()) o.control('rooms.leave', { room: name }).catch(() => {});
        if (!events.size() && !store.size()) rooms.delete(name);
      },
      publish: (event, data, options) => o.call('rooms.publish', { room: name, event, data }, options),
      on: events.on,
      getSnapshot: store.get,
      subscribe: store.subscribe,
    };
    const m: Member = { handle, refs: 0, store, events };
    rooms.set(name, m);
    return m;
  }

  return {
    room: (name: string) => member(name).handle,

    /** The connection is authenticated: rejoin every wanted room from its offset. */
    rejoin() {
      for (const r of rooms.values()) if (r.refs) send(r);
    },

    /** The connection is gone: wanted rooms wait to be rejoined. */
    drop() {
      for (const r of rooms.values()) if (r.refs && r.store.get().status === 'joined') patch(r, { status: 'joining' });
    },

    message(m: RoomMessage) {
      const r = rooms.get(m.room);
      if (!r?.refs || (r.offset && compareOffsets(m.offset, r.offset) <= 0)) return;
      r.offset = m.offset;
      r.events.emit('message', m);
    },

    presence(p: PresenceChange) {
      const r = rooms.get(p.room);
      if (!r?.refs) return;
      const members = r.store.get().members.filter((u) => u !== p.joined && u !== p.left);
      if (p.joined) members.push(p.joined);
      patch(r, { members });
      r.events.emit('presence', p);
    },

    stats: () => ({ rooms: rooms.size }),
    /** Listeners attached to rooms, for leak checks. */
    listeners() {
      let n = 0;
      for (const r of rooms.values()) n += r.events.size() + r.store.size();
      return n;
    },
  };
}
