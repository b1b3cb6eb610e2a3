/**
 * A tab's client in a shared group: the `Client` an app uses, without a connection of its own.
 * Calls are validated here against the app's contract and made by the hub under this tab's
 * ids and deadlines; when a new hub appears they are sent again with the same ids, so the
 * gateway answers each once. A cursor per stream drops what a new hub replays twice. Rooms
 * are the hub's rooms, shown here.
 */
import type { ClientEvents, ClientSnapshot } from '../core/client.ts';
import { apiProxy, validate, type Api, type CallOptions, type Contract } from '../core/contract.ts';
import { createCursor } from '../core/cursor.ts';
import { createEmitter } from '../core/emitter.ts';
import { createCalls } from '../core/calls.ts';
import { OfflineError } from '../core/errors.ts';
import { lazy, type Lazy, type OfflinePolicy, type Timers } from '../core/options.ts';
import { joined, type Room, type RoomEvents, type RoomOptions, type RoomSnapshot } from '../core/rooms.ts';
import { createStore } from '../core/store.ts';
import { ErrorCode } from '../protocol/codes.ts';
import type { NotificationEvent, RoomMessage } from '../protocol/server-frames.ts';
import { fromWire, type HubMessage, type TabMessage, type WireFailure } from './messages.ts';
import type { SharedClient, SharedSnapshot } from './types.ts';

export interface TabOptions<C extends Contract> {
  tab: string;
  contract?: C | undefined;
  callTimeoutMs: number;
  offline: OfflinePolicy;
  outboxLimit: number;
  timers: Timers;
  now(): number;
  generateId(): string;
  /** Send to the group; false while between groups (a new hub gets it all again). */
  send(message: TabMessage): boolean;
  /** This tab's token, for a hub that asks (a SharedWorker's). */
  token(): Lazy<string>;
  setToken(next: Lazy<string>): void;
  /** What this tab is in its group. */
  sharing(): SharedSnapshot['sharing'];
}

const idle: RoomSnapshot = { status: 'idle', members: [] };

export function createTab<const C extends Contract>(o: TabOptions<C>) {
  const report = (error: unknown) => events.emit('error', error);
  const events = createEmitter<ClientEvents>(report);
  /** One-tab listeners (they play only in the tab the hub names for the event being emitted). */
  let ones = 0;
  let named = false;
  const store = createStore<SharedSnapshot>({ state: 'idle', attempt: 0, queued: 0, sharing: o.sharing() }, report);
  const streams = () => ({ notification: createCursor(), broadcast: createCursor() });
  let cursors = streams();
  const rooms = new Map<string, ReturnType<typeof showRoom>>();
  let hub = '';
  let seen = o.now();

  const hi = () => hub && o.send({ t: 'hi', tab: o.tab, one: ones > 0, seen });
  // The core's call manager, with the hub for a socket: outbox while there is none, resend to a new one.
  const calls = createCalls({
    timers: o.timers,
    generateId: o.generateId,
    now: o.now,
    limit: o.outboxLimit,
    onQueue: () => {},
    send: (_, c) => !!hub && o.send({ t: 'call', id: c.id, m: c.method, p: c.params, ms: c.expires - o.now() }) !== false,
  });

  async function call(method: string, params?: unknown, opts: CallOptions = {}): Promise<unknown> {
    if (store.get().state !== 'connected' && (opts.offline ?? o.offline) === 'reject') throw new OfflineError('Not connected');
    const spec = o.contract?.[method];
    if (spec) params = await validate(spec.params, params, ErrorCode.InvalidParams, 'Invalid params');
    const result = await calls.request(method, params, { timeoutMs: opts.timeoutMs ?? o.callTimeoutMs, signal: opts.signal, id: opts.id });
    return spec ? validate(spec.result, result, ErrorCode.InternalError, 'Invalid result') : result;
  }

  function showRoom(name: string, opts: RoomOptions) {
    let refs = 0;
    const cursor = createCursor();
    const roomStore = createStore(idle, report);
    const roomEvents = createEmitter<RoomEvents>(report);
    const ask = async () => o.send({ t: 'join', tab: o.tab, r: name, since: cursor.at() ?? opts.since, tok: await lazy(opts.token) });
    const handle: Room = {
      name,
      join() {
        rooms.set(name, shown);
        if (++refs === 1) {
          roomStore.set({ status: 'joining', members: [] });
          void ask();
        }
        return joined(name, roomStore, o.timers, o.callTimeoutMs);
      },
      leave() {
        if (!refs || --refs) return;
        cursor.set(undefined);
        roomStore.set(idle);
        o.send({ t: 'leave', tab: o.tab, r: name });
        if (!roomEvents.size() && !roomStore.size()) rooms.delete(name);
      },
      publish: (event, data, options) => call('rooms.publish', { room: name, event, data }, options),
      on: roomEvents.on,
      getSnapshot: roomStore.get,
      subscribe: roomStore.subscribe,
    };
    const shown = {
      handle,
      receive(k: string, e: unknown) {
        if (!refs) return;
        if (k === 'snap') {
          const s = e as RoomSnapshot & { error?: WireFailure };
          return roomStore.set({ ...s, error: s.error && fromWire(s.error) });
        }
        if (k !== 'message' || cursor.see((e as RoomMessage).offset)) roomEvents.emit(k, e as never);
      },
      rejoin: () => refs && ask(),
      forget() {
        refs = 0;
        cursor.set(undefined);
        roomStore.set(idle);
      },
    };
    return shown;
  }

  const client: SharedClient<C> = {
    api: apiProxy(call) as Api<C>,
    call: call as SharedClient<C>['call'],
    room(name, options = {}) {
      let r = rooms.get(name);
      if (!r) rooms.set(name, (r = showRoom(name, options)));
      return r.handle;
    },
    on(type, listener, options) {
      if (!options?.oneTab) return events.on(type, listener);
      ones++;
      hi();
      const off = events.on(type, (e) => named && listener(e));
      return () => {
        ones--;
        off();
      };
    },
    getSnapshot: store.get,
    subscribe: store.subscribe,
    connect: () => o.send({ t: 'do', a: 'connect' }),
    close: () => o.send({ t: 'do', a: 'close' }),
    reconnect: () => o.send({ t: 'do', a: 'reconnect' }),
    setToken: o.setToken,
    stats: () => ({ pending: calls.stats().pending, queued: store.get().queued, rooms: rooms.size, listeners: events.size() + store.size() }),
  };

  return {
    client,
    receive(m: HubMessage) {
      switch (m.t) {
        case 'beat':
          if (m.hub === hub) return;
          // A new hub knows nothing of this tab: say hello, resend the calls in flight, show the rooms again.
          // (No hub, `''`: this tab left its group; what it sends now reaches no one until it is back.)
          hub = m.hub;
          calls.drop(new OfflineError('The tab that held the connection is gone'));
          calls.setLive(!!hub);
          hi();
          return rooms.forEach((r) => r.rejoin());
        case 'snap':
          return store.set({ ...m.s, sharing: o.sharing() } as SharedSnapshot & ClientSnapshot);
        case 'ret':
          return calls.answer(m.id, m.e && fromWire(m.e), m.v);
        case 'room':
          return rooms.get(m.r)?.receive(m.k, m.e);
        case 'ask':
          if (!m.tab || m.tab === o.tab) void lazy(o.token()).then((v) => v && o.send({ t: 'tok', n: m.n, v }));
          return;
        case 'ev': {
          const k = m.k as keyof ClientEvents;
          const e = k === 'error' ? fromWire(m.e as WireFailure) : m.e;
          if ((k === 'notification' || k === 'broadcast') && !cursors[k].see((e as NotificationEvent).offset)) return;
          named = m.one === o.tab;
          events.emit(k, e);
        }
      }
    },
    /** The user looked at this tab: it should play one-tab listeners. */
    focus() {
      seen = o.now();
      hi();
    },
    /** Where this tab is in the user's and broadcast streams: a hub it starts resumes from there. */
    positions: () => ({ u: cursors.notification.at(), b: cursors.broadcast.at() }),
    /** Another user: their rooms and positions are not this one's. */
    forget() {
      rooms.forEach((r) => r.forget());
      cursors = streams();
    },
  };
}
