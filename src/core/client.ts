/**
 * `createClient`: the connection state machine and the glue between its parts. It owns one
 * socket at a time (each socket gets a generation number, so events of a socket it gave up
 * on are ignored), decides what each close means (`close-policy.ts`), waits out the backoff
 * (`backoff.ts`) unless the page says the network is back, and hands frames to the call
 * manager (`calls.ts`), the rooms (`rooms.ts`) and the event emitter.
 */
import { CloseCode, ErrorCode, SUBPROTOCOL } from '../protocol/codes.ts';
import { decodeServerFrame } from '../protocol/decode.ts';
import { AuthResult, type BroadcastEvent, type NotificationEvent } from '../protocol/server-frames.ts';
import { nanoid } from 'nanoid';
import type * as z from 'zod/mini';
import { backoffDelay } from './backoff.ts';
import { createCalls } from './calls.ts';
import { createCursor } from './cursor.ts';
import { closeAction } from './close-policy.ts';
import { apiProxy, validate, type Api, type CallOptions, type Contract, type InputOf, type OutputOf } from './contract.ts';
import { createEmitter } from './emitter.ts';
import { browserEnvironment, type WebSocketLike } from './environment.ts';
import { ClosedError, OfflineError, RpcError, toRpcError } from './errors.ts';
import { createWatchdog } from './heartbeat.ts';
import { defaultBackoff, defaults, type ClientOptions, type Lazy, type Timers } from './options.ts';
import { createRooms, type Room, type RoomOptions } from './rooms.ts';
import { createStore } from './store.ts';
import { resolveToken } from './token.ts';

/** Where the connection is (see the README's "Connection behaviour"). */
export type ConnectionState =
  | 'idle'
  | 'connecting'
  | 'authenticating'
  | 'connected'
  | 'reconnecting'
  | 'offline'
  | 'unauthorized'
  | 'closed';

export interface ClientSnapshot {
  state: ConnectionState;
  /** Failed attempts since the last stable connection. */
  attempt: number;
  /** While `reconnecting`: when the next attempt starts (epoch ms). */
  nextRetryAt?: number;
  /** Close code of the last disconnect (also 4001 in `unauthorized`, 4000 in a terminal `closed`). */
  code?: number;
  /** Why the last connection ended. */
  reason?: string;
  /** While connected: the user the gateway authenticated, and the session id. */
  user?: string;
  session?: string;
  /** Calls waiting in the outbox to be sent. */
  queued: number;
}

export interface StateChange {
  from: ConnectionState;
  to: ConnectionState;
  code?: number | undefined;
  reason?: string | undefined;
}

export interface ClientEvents extends Record<string, unknown> {
  /** A notification to this user (every tab and device of theirs gets it). */
  notification: NotificationEvent;
  /** A broadcast to everyone. */
  broadcast: BroadcastEvent;
  /** Every state transition. */
  state: StateChange;
  /** Events of this stream were missed and could not be replayed: refetch what they would have changed. */
  gap: { stream: 'user' | 'broadcast' };
  /** Diagnostics: malformed frames, failed token refreshes, listeners that threw. Never a call's error. */
  error: unknown;
}

type Method<C extends Contract> = keyof C & string;

export interface Client<C extends Contract = Contract> {
  /** The contract's methods as functions: `api.orders.create(params)`. */
  readonly api: Api<C>;
  /** Call a method. Contract methods are typed and validated both ways. */
  call<M extends Method<C>>(method: M, params: InputOf<C[M]['params']>, options?: CallOptions): Promise<OutputOf<C[M]['result']>>;
  call(method: string, params?: unknown, options?: CallOptions): Promise<unknown>;
  /** The room called `name` (the same object on every call; `options` count on the first). */
  room(name: string, options?: RoomOptions): Room;
  on<K extends keyof ClientEvents>(type: K, listener: (event: ClientEvents[K]) => void): () => void;
  /** The current snapshot: the same object until something changes. */
  getSnapshot(): ClientSnapshot;
  subscribe(listener: () => void): () => void;
  /** Start connecting (after `autoConnect: false`, `close()`, or in `unauthorized`). */
  connect(): void;
  /** Close for good: pending calls reject with `ClosedError`. `connect()` starts again. */
  close(): void;
  /** Use another token from now on; sent at once on a live connection, or connects from `unauthorized`. */
  setToken(token: Lazy<string>): void;
  /** Counts for debugging and leak checks. */
  stats(): { pending: number; queued: number; rooms: number; listeners: number };
}

/**
 * A client with any contract: what observers and bindings accept. `any` is deliberate: a
 * typed `Client<C>` is not assignable to `Client<Contract>` (its `api` and `call` are narrower).
 */
export type AnyClient = Client<any>;

const OPEN = 1;
const missing = (what: string): never => {
  throw new TypeError(what);
};
type Stream = 'user' | 'broadcast';
const refusedBy = (why: string) => `token refused: ${why}`;
const streams: Stream[] = ['user', 'broadcast'];

export function createClient<const C extends Contract = Contract>(options: ClientOptions<C>): Client<C> {
  const o = { ...defaults, ...options };
  const backoff = { ...defaultBackoff, ...options.backoff };
  const env = o.environment ?? browserEnvironment();
  const Socket = o.WebSocket ?? env.WebSocket ?? missing('No WebSocket: pass options.WebSocket');
  const timers: Timers = o.timers ?? { setTimeout: (f, ms) => setTimeout(f, ms), clearTimeout: (h) => clearTimeout(h as number) };
  const now = o.now ?? Date.now;
  const random = o.random ?? Math.random;

  let reporting = false;
  const report = (error: unknown) => {
    if (reporting) return; // an `error` listener threw: do not loop
    reporting = true;
    events.emit('error', error);
    reporting = false;
  };
  const events = createEmitter<ClientEvents>(report);
  const store = createStore<ClientSnapshot>({ state: 'idle', attempt: 0, queued: 0 }, report);

  let token = o.token;
  let ws: WebSocketLike | undefined;
  /** Generation of the current socket; callbacks of older ones compare unequal and do nothing. */
  let gen = 0;
  let attempt = 0;
  let authFailures = 0;
  let connectedAt = 0;
  /** The connect deadline while connecting, the retry while reconnecting: never both. */
  let timer: unknown;
  let unwatch: (() => void) | undefined;
  let refreshing: Promise<void> | undefined;
  let probing = false;
  /** Why calls fail at once: set in `closed` and `unauthorized`. */
  let refusal: Error | undefined;
  const cursors: Record<Stream, ReturnType<typeof createCursor>> = { user: createCursor(), broadcast: createCursor() };

  const state = () => store.get().state;
  const setState = (to: ConnectionState, extra: Partial<ClientSnapshot> = {}) => {
    const from = state();
    store.set({ state: to, attempt, queued: store.get().queued, ...extra });
    if (from !== to) events.emit('state', { from, to, code: extra.code, reason: extra.reason });
  };

  const send = (frame: string) => ws?.readyState === OPEN && (ws.send(frame), true);
  const calls = createCalls({
    timers,
    generateId: o.generateId ?? nanoid,
    send,
    limit: o.outboxLimit,
    onQueue: (queued) => queued !== store.get().queued && store.set({ ...store.get(), queued }),
  });
  /** A request on the live socket only; a malformed result throws the schema's error. */
  const control = async <S extends z.ZodMiniType>(method: string, params: unknown, schema?: S, timeoutMs = o.callTimeoutMs) => {
    const result = await calls.request(method, params, { timeoutMs, control: true });
    return (schema ? schema.parse(result) : result) as z.infer<S>;
  };
  const rooms = createRooms({
    timers,
    timeoutMs: o.callTimeoutMs,
    control,
    call: (method, params, opts) => call(method, params, opts),
    live: () => state() === 'connected',
    onThrow: report,
  });
  const watchdog = createWatchdog({
    now,
    timers,
    jumpMs: o.sleepJumpMs,
    onDead: () => lost(gen, 1006, 'Heartbeat timeout'),
    onWake: probe,
  });

  /** Forget the current socket and its timers: its late events are ignored from now on. */
  function detach() {
    gen++;
    timers.clearTimeout(timer);
    watchdog.stop();
    if (ws) ws.onopen = ws.onmessage = ws.onclose = null;
    // close() is a no-op on a closed socket and allowed on a connecting one.
    ws?.close(1000);
    ws = undefined;
  }

  async function open() {
    detach();
    if (!env.isOnline()) return setState('offline');
    const my = gen;
    setState('connecting');
    timer = timers.setTimeout(() => lost(my, CloseCode.AuthTimeout, 'Connect timeout'), o.connectTimeoutMs);
    try {
      const url = typeof o.url === 'function' ? await o.url() : o.url;
      const jwt = await resolveToken(token, now);
      if (my !== gen) return;
      if (!jwt) return lost(my, CloseCode.Unauthorized, jwt === '' ? 'no token' : 'token expired');
      const s = (ws = new Socket(url, SUBPROTOCOL));
      let opened = false;
      // A browser tells nothing more about a socket that never opened: wrong URL, gateway down, Origin refused.
      s.onclose = (e) => lost(my, e.code, !opened ? 'unreachable or refused' : e.code === CloseCode.Unauthorized ? refusedBy(e.reason) : e.reason);
      s.onmessage = (e) => receive(String(e.data));
      s.onopen = () => {
        opened = true;
        void authenticate(my, jwt);
      };
      // The close event says all we need; but `ws` in Node throws an 'error' nobody listens to.
      s.onerror = () => {};
    } catch (error) {
      report(error);
      lost(my, 1006, String(error));
    }
  }

  async function authenticate(my: number, jwt: string) {
    setState('authenticating');
    // Empty on a first connect: nothing to resume.
    const resume = { user: cursors.user.at(), broadcast: cursors.broadcast.at() };
    try {
      const res = await control('auth', { token: jwt, resume }, AuthResult);
      if (my !== gen) return;
      timers.clearTimeout(timer);
      authFailures = 0;
      connectedAt = now();
      for (const k of streams) {
        const missed = res.recovered?.[k] === false;
        if (resume[k] && missed) events.emit('gap', { stream: k });
        if (!cursors[k].at() || missed) cursors[k].set(res.offsets?.[k]);
      }
      watchdog.start(res.heartbeatMs + o.heartbeatGraceMs);
      setState('connected', { user: res.user, session: res.session });
      calls.setLive(true);
      rooms.rejoin();
    } catch (error) {
      if (my !== gen) return; // the socket closed first: its close code already decided
      const code = (error as RpcError).code;
      const refused = code === ErrorCode.Unauthenticated || code === ErrorCode.TokenExpired;
      if (!refused) report(error);
      lost(my, refused ? CloseCode.Unauthorized : 1006, refused ? refusedBy((error as RpcError).message) : String(error));
    }
  }

  function receive(raw: string) {
    watchdog.feed();
    const d = decodeServerFrame(raw);
    if (!d.ok) return report(toRpcError(d.error));
    const f = d.frame;
    if (f.kind === 'result') return calls.answer(f.id, undefined, f.result);
    if (f.kind === 'error') {
      if (f.error.code === ErrorCode.TokenExpired && calls.requeue(f.id)) return void refresh().then(calls.flush);
      return f.id === null ? report(toRpcError(f.error)) : calls.answer(f.id, f.error);
    }
    if (f.kind !== 'event') return report(f); // a gateway never sends requests
    switch (f.method) {
      case 'ping':
        return void send(JSON.stringify({ jsonrpc: '2.0', method: 'pong' }));
      case 'room.message':
        return rooms.message(f.params);
      case 'presence':
        return rooms.presence(f.params);
      case 'token.expiring':
        return void refresh();
      case 'gap': {
        const { stream, room, offset } = f.params;
        if (room !== undefined) return rooms.gap(room, offset);
        const cursor = cursors[stream as Stream];
        cursor?.set(offset);
        return cursor && events.emit('gap', { stream: stream as Stream });
      }
      default: {
        const k = f.method === 'notification' ? 'user' : 'broadcast';
        const seen = cursors[k].see(f.params.offset);
        if (!seen) return; // replayed twice
        if (seen === 'gap') events.emit('gap', { stream: k });
        events.emit(f.method, f.params);
      }
    }
  }

  /** The socket of generation `my` is gone (closed, dead or refused): decide what comes next. */
  function lost(my: number, code: number, reason: string, offline = !env.isOnline()) {
    if (my !== gen) return;
    detach();
    calls.drop(new OfflineError(`Connection lost: ${reason}`));
    rooms.drop();
    if (connectedAt && now() - connectedAt >= o.stableAfterMs) attempt = 0;
    connectedAt = 0;
    const info = { code, reason };
    if (offline) return setState('offline', info);
    const action = closeAction(code);
    if (action === 'stop') return shutdown(new ClosedError(`Gateway closed: ${code} ${reason}`), code, reason);
    if (action === 'reauth' && ++authFailures > 1) {
      shutdown(new RpcError(ErrorCode.Unauthenticated, `Unauthorized: ${reason}`), code, reason, 'unauthorized');
      return;
    }
    // The first retry after a drop stays quick (one client's blip). After a restart (1012), and from
    // the second retry on, a crowd is likely: spread out. A restart counts as one failed attempt
    // whatever the backoff had grown to, since the gateway asked to be back soon.
    if (action === 'soon') attempt = 1;
    const delay = action === 'reauth' ? 0 : backoffDelay(attempt++, backoff, random, attempt > 1 ? o.restartWindowMs : 0);
    setState('reconnecting', { nextRetryAt: now() + delay, ...info });
    timer = timers.setTimeout(open, delay);
  }

  /** Stop for good (`closed`) or until a new token (`unauthorized`): calls now fail with `error`. */
  function shutdown(error: Error, code: number, reason: string, to: ConnectionState = 'closed') {
    detach();
    unwatch?.();
    unwatch = undefined;
    refusal = error;
    calls.failAll(error);
    setState(to, { code, reason });
  }

  /** Is the socket still alive? Asked after a wake-up, instead of trusting a socket that may be half-open. */
  function probe() {
    if (probing || state() !== 'connected') return;
    probing = true;
    const my = gen;
    control('system.ping', undefined, undefined, o.probeTimeoutMs)
      .catch((error) => error instanceof RpcError || lost(my, 1006, 'Probe timeout'))
      .finally(() => (probing = false));
  }

  /** Send a fresh token on the live socket; one refresh at a time. */
  function refresh() {
    return (refreshing ??= (async () => {
      try {
        const jwt = await resolveToken(token, now);
        if (jwt) await control('auth.refresh', { token: jwt });
      } catch (error) {
        report(error);
      } finally {
        refreshing = undefined;
      }
    })());
  }

  const signals = {
    online() {
      if (/offline|reconnecting/.test(state())) {
        attempt = 0;
        void open();
      }
    },
    offline() {
      if (/connecting|authenticating|connected/.test(state())) lost(gen, 1001, 'Browser offline', true);
    },
    wake() {
      const s = state();
      if (s === 'connected') probe();
      else if (s === 'reconnecting' || (s === 'offline' && env.isOnline())) void open();
    },
  };

  async function call(method: string, params?: unknown, opts: CallOptions = {}): Promise<unknown> {
    if (refusal) throw refusal;
    if (state() !== 'connected' && (opts.offline ?? o.offline) === 'reject') throw new OfflineError('Not connected');
    const spec = o.contract?.[method];
    if (spec) params = await validate(spec.params, params, ErrorCode.InvalidParams, 'Invalid params');
    const result = await calls.request(method, params, { timeoutMs: opts.timeoutMs ?? o.callTimeoutMs, signal: opts.signal });
    return spec ? validate(spec.result, result, ErrorCode.InternalError, 'Invalid result') : result;
  }

  const client: Client<C> = {
    api: apiProxy(call) as Api<C>,
    call: call as Client<C>['call'],
    room: rooms.room,
    on: events.on,
    getSnapshot: store.get,
    subscribe: store.subscribe,
    connect() {
      if (!/idle|closed|unauthorized/.test(state())) return;
      attempt = authFailures = 0;
      refusal = undefined;
      unwatch ??= env.watch(signals);
      void open();
    },
    close: () => shutdown(new ClosedError('Client closed'), 1000, 'Client closed'),
    setToken(next) {
      token = next;
      if (state() === 'unauthorized') client.connect();
      else if (state() === 'connected') void refresh();
    },
    stats() {
      const r = rooms.stats();
      return { ...calls.stats(), rooms: r.rooms, listeners: events.size() + store.size() + r.listeners };
    },
  };
  // In a microtask, so listeners added right after createClient() see the first transition.
  if (o.autoConnect) queueMicrotask(client.connect);
  return client;
}
