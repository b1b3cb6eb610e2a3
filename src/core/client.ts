/**
 * `createClient`: the connection state machine and the glue between its parts: one socket at
 * a time (`socket.ts`), the states and their declared transitions (`transitions.ts`), what each
 * close means (`close-policy.ts`), the backoff (`backoff.ts`) unless the page says the network
 * is back, the call manager (`calls.ts`), one cursor per stream (`cursor.ts`), the rooms
 * (`rooms.ts`), positions kept across reloads (`persist.ts`) and the event emitter.
 */
import { CloseCode, ErrorCode } from '../protocol/codes.ts';
import { decodeServerFrame } from '../protocol/decode-server.ts';
import type { AuthResult, BroadcastEvent, NotificationEvent } from '../protocol/server-frames.ts';
import { AuthResultShape, checkShape, type Shape } from '../protocol/shapes.ts';
import { nanoid } from 'nanoid';
import { backoffDelay } from './backoff.ts';
import { createCalls } from './calls.ts';
import { createCursor } from './cursor.ts';
import { closeAction } from './close-policy.ts';
import { apiProxy, validate, type Api, type CallOptions, type Contract, type InputOf, type OutputOf } from './contract.ts';
import { createEmitter } from './emitter.ts';
import { browserEnvironment } from './environment.ts';
import { ClosedError, OfflineError, RpcError, toRpcError } from './errors.ts';
import { createWatchdog } from './heartbeat.ts';
import { defaultBackoff, defaults, lazy, platformTimers, requireConnectionOptions, type ClientOptions, type Lazy } from './options.ts';
import { createPersistence } from './persist.ts';
import { createRooms, type Room, type RoomOptions } from './rooms.ts';
import { createSocket } from './socket.ts';
import { createStore } from './store.ts';
import { claimsOf, resolveToken } from './token.ts';
import { isIn, LIVE, mayGo, STOPPED, WAITING, type ConnectionState } from './transitions.ts';

export type { ConnectionState };

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
  /** Drop the socket and connect now, whatever the backoff had grown to (a "retry now" button). */
  reconnect(): void;
  /**
   * Use another token from now on: sent at once on a live connection, or connects from
   * `unauthorized`. A token of another user reconnects as that user, and forgets the previous
   * user's stream positions and rooms.
   */
  setToken(token: Lazy<string>): void;
  /** Counts for debugging and leak checks. */
  stats(): { pending: number; queued: number; rooms: number; listeners: number };
}

/**
 * A client with any contract: what observers and bindings accept. `any` is deliberate: a
 * typed `Client<C>` is not assignable to `Client<Contract>` (its `api` and `call` are narrower).
 */
export type AnyClient = Client<any>;

type Stream = 'user' | 'broadcast';
const refusedBy = (why: string) => `token refused: ${why}`;
const streams: Stream[] = ['user', 'broadcast'];

export function createClient<const C extends Contract = Contract>(options: ClientOptions<C>): Client<C> {
  requireConnectionOptions(options, 'createClient');
  const o = { ...defaults, ...options };
  const backoff = { ...defaultBackoff, ...options.backoff };
  const env = o.environment ?? browserEnvironment();
  const Socket = o.WebSocket ?? env.WebSocket;
  if (!Socket) throw new TypeError('createClient: no WebSocket here: pass options.WebSocket');
  const timers = o.timers ?? platformTimers;
  const now = o.now ?? Date.now;
  const random = o.random ?? Math.random;
  const saved = createPersistence(o.persist && env.storage?.(o.persist));

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
  /** Whose streams the cursors follow, and the gateway they came from (the persistence key). */
  let owner: string | undefined;
  let ownerUrl = '';

  const state = () => store.get().state;
  const setState = (to: ConnectionState, extra: Partial<ClientSnapshot> = {}) => {
    const from = state();
    if (!mayGo(from, to)) report(new Error(`Tether: no transition from ${from} to ${to}`));
    store.set({ state: to, attempt, queued: store.get().queued, ...extra });
    if (from !== to) events.emit('state', { from, to, code: extra.code, reason: extra.reason });
  };

  /** The token the socket being opened authenticates with. */
  let jwt = '';
  const socket = createSocket(Socket, {
    open: () => authenticate(socket.gen(), jwt),
    message: receive,
    close: (code, reason) => lost(socket.gen(), code, code === CloseCode.Unauthorized ? refusedBy(reason) : reason),
  });
  const calls = createCalls({
    timers,
    generateId: o.generateId ?? nanoid,
    now,
    send: socket.send,
    limit: o.outboxLimit,
    onQueue: (queued) => queued !== store.get().queued && store.set({ ...store.get(), queued }),
  });
  /** A request on the live socket only; a result not of `shape` throws an `RpcError` naming its issues. */
  const control = async <T = unknown>(method: string, params: unknown, shape?: Shape, timeoutMs = o.callTimeoutMs): Promise<T> => {
    const result = await calls.request(method, params, { timeoutMs, control: true });
    if (!shape) return result as T;
    const r = checkShape<T>(shape, result);
    if (!r.ok) throw new RpcError(ErrorCode.InternalError, `Invalid result: ${method}`, { issues: r.issues });
    return r.value;
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
    onDead: () => lost(socket.gen(), 1006, 'Heartbeat timeout'),
    onWake: probe,
  });

  /** Forget the current socket and its timers: its late events are ignored from now on. */
  function detach() {
    socket.drop();
    timers.clearTimeout(timer);
    watchdog.stop();
  }

  /**
   * The streams the client follows are `user`'s from now on: another user's positions, rooms and
   * calls go (a call made as one user must never run as another). `early`: said before the
   * auth frame, so positions saved by a page before this one can go into its `resume`.
   */
  function follow(user: string | undefined, url: string, early: boolean) {
    if (user === owner && url === ownerUrl) return;
    if (owner !== undefined) {
      cursors.user.set(undefined);
      rooms.forget();
      if (user !== owner) calls.failAll(new ClosedError('The user changed: calls made as the previous user were not sent again'));
    }
    [owner, ownerUrl] = [user, url];
    // A page that was reloaded: resume from where the page before it was.
    const p = user && saved.load(url, user);
    if (!p) return;
    rooms.restore(p.r);
    if (early) {
      cursors.user.set(cursors.user.at() ?? p.u);
      cursors.broadcast.set(cursors.broadcast.at() ?? p.b);
    } else {
      // A token that does not say its user: known only after the auth frame, too late to resume.
      if (p.u) events.emit('gap', { stream: 'user' });
      if (p.b) events.emit('gap', { stream: 'broadcast' });
    }
  }

  /** Save the positions for the next page of this user (`persist`). */
  function persist() {
    if (owner) saved.save(ownerUrl, owner, { u: cursors.user.at(), b: cursors.broadcast.at(), r: rooms.positions() });
  }

  async function open() {
    detach();
    // Calls in flight on the socket just dropped (by `reconnect()`, a user switch) go back to the outbox.
    calls.drop(new OfflineError('Reconnecting'));
    rooms.drop();
    if (!env.isOnline()) return setState('offline');
    const my = socket.gen();
    setState('connecting');
    timer = timers.setTimeout(() => lost(my, CloseCode.AuthTimeout, 'Connect timeout'), o.connectTimeoutMs);
    try {
      const url = await lazy(o.url);
      const got = await resolveToken(token, now);
      if (my !== socket.gen()) return;
      if (!got) return lost(my, CloseCode.Unauthorized, got === '' ? 'no token' : 'token expired');
      const { sub } = claimsOf(got);
      follow(typeof sub === 'string' ? sub : owner, url, true);
      jwt = got;
      socket.open(url);
    } catch (error) {
      report(error);
      lost(my, 1006, String(error));
    }
  }

  async function authenticate(my: number, token: string) {
    setState('authenticating');
    // Empty on a first connect: nothing to resume.
    const resume = { user: cursors.user.at(), broadcast: cursors.broadcast.at() };
    try {
      const res = await control<AuthResult>('auth', { token, resume }, AuthResultShape);
      if (my !== socket.gen()) return;
      timers.clearTimeout(timer);
      authFailures = 0;
      connectedAt = now();
      // An opaque token says whose it is only now.
      follow(res.user, ownerUrl, false);
      for (const k of streams) {
        const missed = res.recovered?.[k] === false;
        if (resume[k] && missed) events.emit('gap', { stream: k });
        if (!cursors[k].at() || missed) cursors[k].set(res.offsets?.[k]);
      }
      watchdog.start(res.heartbeatMs + o.heartbeatGraceMs);
      setState('connected', { user: res.user, session: res.session });
      calls.setLive(true, res.maxFrameBytes);
      rooms.rejoin();
    } catch (error) {
      if (my !== socket.gen()) return; // the socket closed first: its close code already decided
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
        return void socket.send('{"jsonrpc":"2.0","method":"pong"}');
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
    if (my !== socket.gen()) return;
    detach();
    // A frame too large for the gateway closes the socket (1009): that call fails, never to be resent.
    if (code === CloseCode.TooBig) calls.refuseLast();
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
    persist();
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
    const my = socket.gen();
    control('system.ping', undefined, undefined, o.probeTimeoutMs)
      .catch((error) => error instanceof RpcError || lost(my, 1006, 'Probe timeout'))
      .finally(() => (probing = false));
  }

  /**
   * Send a fresh token on the live socket; one refresh at a time. A token of another user, or one
   * the gateway refuses for this socket, cannot refresh it: connect again with it instead.
   */
  function refresh() {
    return (refreshing ??= (async () => {
      try {
        const jwt = await resolveToken(token, now);
        if (!jwt) return;
        const { sub } = claimsOf(jwt);
        if (typeof sub === 'string' && owner !== undefined && sub !== owner) return reconnect();
        await control('auth.refresh', { token: jwt });
      } catch (error) {
        report(error);
        const code = (error as RpcError).code;
        if (code === ErrorCode.Unauthenticated || code === ErrorCode.TokenExpired) reconnect();
      } finally {
        refreshing = undefined;
      }
    })());
  }

  /** Connect now, whatever the backoff had grown to. */
  function reconnect() {
    attempt = 0;
    void open();
  }

  const signals = {
    online: () => isIn(state(), WAITING) && reconnect(),
    offline: () => isIn(state(), LIVE) && lost(socket.gen(), 1001, 'Browser offline', true),
    wake() {
      const s = state();
      if (s === 'connected') probe();
      else if (s === 'reconnecting' || (s === 'offline' && env.isOnline())) void open();
    },
    hide: persist,
  };

  async function call(method: string, params?: unknown, opts: CallOptions = {}): Promise<unknown> {
    if (refusal) throw refusal;
    if (state() !== 'connected' && (opts.offline ?? o.offline) === 'reject') throw new OfflineError('Not connected');
    const spec = o.contract?.[method];
    if (spec) params = await validate(spec.params, params, ErrorCode.InvalidParams, 'Invalid params');
    const result = await calls.request(method, params, { timeoutMs: opts.timeoutMs ?? o.callTimeoutMs, signal: opts.signal, id: opts.id });
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
      if (!isIn(state(), STOPPED)) return;
      authFailures = 0;
      refusal = undefined;
      unwatch ??= env.watch(signals);
      reconnect();
    },
    reconnect: () => (isIn(state(), STOPPED) ? client.connect() : reconnect()),
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
