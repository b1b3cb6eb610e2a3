/**
 * Rooms: ref-counted membership, so any number of components can join the same room and
 * the gateway sees one join and, after the last leave, one leave. A wanted room is joined
 * again after every reconnect from its last offset, so the gateway replays what it missed;
 * messages at or before that offset are duplicates and are dropped. When the gap was too
 * old to replay, the room emits `gap` so the app can refetch.
 */
import type { PresenceChange, RoomJoinResult, RoomMessage } from '../protocol/server-frames.ts';
import { RoomJoinResultShape, type Shape } from '../protocol/shapes.ts';
import { createCursor } from './cursor.ts';
import { createEmitter } from './emitter.ts';
import { ClosedError, RpcError, TimeoutError } from './errors.ts';
import { lazy, type Lazy, type Timers } from './options.ts';
import { createStore, type Store } from './store.ts';

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
  control<T = unknown>(method: string, params: unknown, shape?: Shape): Promise<T>;
  /** An ordinary call (outbox, resend). */
  call(method: string, params: unknown, options?: { timeoutMs?: number; signal?: AbortSignal }): Promise<unknown>;
  live(): boolean;
  onThrow(error: unknown): void;
}

const idle: RoomSnapshot = { status: 'idle', members: [] };

/** How to join a room. */
export interface RoomOptions {
  /** A room token, or a function returning one, asked on every join: rooms named `$…` need one. */
  token?: Lazy<string>;
  /** Resume from this offset (one the app kept from a `message`): the gateway replays what came after it. */
  since?: string;
}

/** Resolves when the room is joined; rejects with why it is not (refused, left, or `timeoutMs` passed). */
export function joined(name: string, store: Store<RoomSnapshot>, timers: Timers, timeoutMs: number) {
  return new Promise<void>((resolve, reject) => {
    const settle = (error?: unknown) => {
      unsubscribe();
      timers.clearTimeout(timer);
      if (error) reject(error);
      else resolve();
    };
    const check = () => {
      const { status, error } = store.get();
      if (status !== 'joining') settle(status === 'idle' ? new ClosedError(`Left ${name}`) : error);
    };
    const unsubscribe = store.subscribe(check);
    const timer = timers.setTimeout(() => settle(new TimeoutError(`Join ${name} timed out`)), timeoutMs);
    check();
  });
}

/** One room: its public handle plus what the manager drives it with. */
function createRoom(name: string, o: RoomsOptions, track: (kept: boolean) => void, opts: RoomOptions, saved: () => string | undefined) {
  let refs = 0;
  const cursor = createCursor();
  const store = createStore(idle, o.onThrow);
  const events = createEmitter<RoomEvents>(o.onThrow);
  const patch = (next: Partial<RoomSnapshot>) => store.set({ ...store.get(), ...next });

  function join() {
    const since = cursor.at();
    // The gateway follows its answer with a `presence` frame per member; they may even be
    // handled before the answer is, so the list starts over here, not when the answer comes.
    patch({ members: [] });
    lazy(opts.token)
      .then((t) => o.control<RoomJoinResult>('rooms.join', { room: name, since, token: t }, RoomJoinResultShape))
      .then(
      (res) => {
        if (!refs) return void o.control('rooms.leave', { room: name }).catch(() => {});
        // Recovered: the replay follows this answer, from `since`. Otherwise start at the tip.
        const missed = res.recovered === false;
        if (!cursor.at() || missed) cursor.set(res.offset);
        if (since && missed) events.emit('gap', { room: name });
        patch({ status: 'joined', error: undefined });
      },
      (error) => {
        // Only a refusal is final; a lost connection rejoins on the next one.
        if (error instanceof RpcError && refs) patch({ status: 'error', error });
      },
    );
  }

  const handle: Room = {
    name,
    join() {
      track(true); // a handle forgotten after its last leave can be joined again
      if (++refs === 1) {
        // A position saved by the page before a reload: resume the room from there.
        cursor.set(cursor.at() ?? saved() ?? opts.since);
        patch({ status: 'joining' });
        if (o.live()) join();
      }
      return joined(name, store, o.timers, o.timeoutMs);
    },
    leave() {
      if (!refs || --refs) return;
      cursor.set(undefined);
      store.set(idle);
      if (o.live()) o.control('rooms.leave', { room: name }).catch(() => {});
      if (!events.size() && !store.size()) track(false);
    },
    publish: (event, data, options) => o.call('rooms.publish', { room: name, event, data }, options),
    on: events.on,
    getSnapshot: store.get,
    subscribe: store.subscribe,
  };

  return {
    handle,
    /** The connection is authenticated: rejoin from the last offset, if wanted. */
    rejoin: () => refs && join(),
    /** The connection is gone: a joined room waits to be rejoined. */
    drop: () => refs && store.get().status === 'joined' && patch({ status: 'joining' }),
    message(m: RoomMessage) {
      const seen = refs && cursor.see(m.offset);
      if (!seen) return;
      if (seen === 'gap') events.emit('gap', { room: name });
      events.emit('message', m);
    },
    /** The gateway lost messages of this room: refetch, and continue after `offset`. */
    gap(offset: string) {
      if (!refs) return;
      cursor.set(offset);
      events.emit('gap', { room: name });
    },
    presence(p: PresenceChange) {
      if (!refs) return;
      const members = store.get().members.filter((u) => u !== p.joined && u !== p.left);
      if (p.joined) members.push(p.joined);
      patch({ members });
      events.emit('presence', p);
    },
    listeners: () => events.size() + store.size(),
    /** Where the room is, while it is joined. */
    at: () => (refs ? cursor.at() : undefined),
    /** The user changed: this room was the previous user's. Its joins end, its position goes. */
    forget() {
      refs = 0;
      cursor.set(undefined);
      store.set(idle);
    },
  };
}

export function createRooms(o: RoomsOptions) {
  const rooms = new Map<string, ReturnType<typeof createRoom>>();
  const each = (f: (r: ReturnType<typeof createRoom>) => unknown) => rooms.forEach(f);
  /** Positions a reloaded page found saved, for rooms it joins again. */
  let saved: Record<string, string> = {};
  return {
    room(name: string, options: RoomOptions = {}): Room {
      let r = rooms.get(name);
      if (!r) {
        const room = (r = createRoom(name, o, (kept) => (kept ? rooms.set(name, room) : rooms.delete(name)), options, () => saved[name]));
        rooms.set(name, room);
      }
      return r.handle;
    },
    rejoin: () => each((r) => r.rejoin()),
    drop: () => each((r) => r.drop()),
    message: (m: RoomMessage) => rooms.get(m.room)?.message(m),
    gap: (room: string, offset: string) => rooms.get(room)?.gap(offset),
    presence: (p: PresenceChange) => rooms.get(p.room)?.presence(p),
    /** The joined rooms' positions, to save; and the saved ones, to resume from. */
    positions() {
      const at: Record<string, string> = {};
      rooms.forEach((r, name) => {
        const offset = r.at();
        if (offset) at[name] = offset;
      });
      return at;
    },
    restore: (positions: Record<string, string> = {}) => void (saved = positions),
    /** Another user: every room and position was the previous user's. */
    forget() {
      saved = {};
      each((r) => r.forget());
    },
    /** Rooms kept, and the listeners attached to them, for leak checks. */
    stats() {
      let listeners = 0;
      each((r) => (listeners += r.listeners()));
      return { rooms: rooms.size, listeners };
    },
  };
}
