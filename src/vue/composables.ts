/**
 * The composables. Each is a `shallowRef` fed by one of the framework-agnostic observers
 * (`src/observers`) and released when its scope (component, `effectScope`) is disposed; what
 * is not about Vue lives in the observer, so the React hooks behave the same.
 */
import { onScopeDispose, shallowRef, toRef, toValue, watch, type MaybeRefOrGetter, type Ref, type ShallowRef } from 'vue';
import type { CallOptions, Client, ClientSnapshot, Contract, InputOf, NotificationEvent, OutputOf, RoomMessage, RoomStatus } from '../core/index.ts';
import {
  createCallObserver,
  createNotificationsObserver,
  createRoomObserver,
  type CallStatus,
  type NotificationFilter,
  type Observable,
  type RoomObserver,
  type RoomState,
} from '../observers/index.ts';
import { useClient } from './plugin.ts';

/** Options of `useRpc`, read when it is set up. */
export type RpcOptions = Pick<CallOptions, 'timeoutMs' | 'offline'>;

/** A call's state, as refs. */
export interface RpcRefs<T> {
  /** The last successful result; kept while a newer run is loading and after it failed. */
  data: Readonly<Ref<T | undefined>>;
  /** The last run's error (`RpcError`, `TimeoutError`, `OfflineError`, …); cleared by the next success. */
  error: Readonly<Ref<unknown>>;
  /** `idle` before the first run, then `loading`, `success` or `error`. */
  status: Readonly<Ref<CallStatus>>;
}

/** `useRpc` with params: the call kept up to date. */
export interface RpcQuery<T> extends RpcRefs<T> {
  /** Run the call again now with the current params (its rejection is also in `error`). */
  refetch(): Promise<T>;
}

/** `useRpc` without params: the call runs on `call(params)`. */
export interface RpcCall<P, T> extends RpcRefs<T> {
  /** Run the call (its rejection is also in `error`). */
  call: undefined extends P ? (params?: P) => Promise<T> : (params: P) => Promise<T>;
  /** Run the call from an event handler: never rejects, so `@click="mutate(x)"` leaves no unhandled rejection. */
  mutate: undefined extends P ? (params?: P) => void : (params: P) => void;
}

/** `useRoom`: the room's state as refs, and a way to publish to it. */
export interface RoomResult {
  /** `idle`, `joining` (also while rejoining after a reconnect), `joined`, or `error` when refused. */
  status: Readonly<Ref<RoomStatus>>;
  /** User ids present in the room. */
  members: Readonly<Ref<string[]>>;
  /** Messages received while in the room, oldest first (bounded). */
  messages: Readonly<Ref<RoomMessage[]>>;
  /** Why the gateway refused the join (e.g. `RpcError` -32002). */
  error: Readonly<Ref<unknown>>;
  /** Publish to the current room, where the gateway allows it. */
  publish(event: string, data?: unknown): Promise<unknown>;
}

/** Point `target` at `o`'s snapshots (subscribing starts `o`) until the returned function is called. */
function feed<T>(o: Observable<T>, target: ShallowRef<T>): () => void {
  const sync = () => void (target.value = o.getSnapshot());
  const off = o.subscribe(sync);
  sync();
  return off;
}

function observe<T>(o: Observable<T>): Readonly<ShallowRef<T>> {
  const r = shallowRef() as ShallowRef<T>;
  onScopeDispose(feed(o, r));
  return r;
}

/** One read-only ref per key of the snapshot in `r`. */
const refsOf = <T extends object, K extends keyof T>(r: Ref<T>, keys: K[]) =>
  Object.fromEntries(keys.map((k) => [k, toRef(() => r.value[k])])) as { [P in K]-?: Readonly<Ref<T[P]>> };

/** The connection's state (`state`, `attempt`, `nextRetryAt`, `user`, `queued`, …), updated on every change. */
export function useConnectionState(): Readonly<ShallowRef<ClientSnapshot>> {
  return observe(useClient());
}

/**
 * Call `method`. With params (a value, a ref or a getter) it runs at once, again when the
 * params change by value, and again after every reconnect; a getter returning `undefined`
 * holds it back. Without params it is lazy and runs on `call(params)`.
 */
export function useRpc<T = unknown>(method: string, params?: undefined, options?: RpcOptions): RpcCall<unknown, T>;
export function useRpc<T = unknown>(method: string, params: MaybeRefOrGetter<unknown>, options?: RpcOptions): RpcQuery<T>;
export function useRpc(method: string, params?: MaybeRefOrGetter<unknown>, options?: RpcOptions) {
  const o = createCallObserver(useClient(), method, { ...options, params: toValue(params) });
  const refs = refsOf(observe(o), ['data', 'error', 'status']);
  if (params === undefined) return { ...refs, call: o.call, mutate: o.mutate };
  watch(() => toValue(params), (p) => o.setParams(p), { deep: true });
  return { ...refs, refetch: o.refetch };
}

/** The notifications received while in scope, newest first, matching `filter` (a `type` or a predicate); `handler` sees each new one. */
export function useNotification(filter?: NotificationFilter, handler?: (n: NotificationEvent) => void): Readonly<ShallowRef<NotificationEvent[]>> {
  return observe(createNotificationsObserver(useClient(), { filter, onNotification: handler }));
}

/**
 * Be in room `name` while the scope lives. Joins are counted by the client, so components in
 * the same room share one join; the last one to go leaves. A ref or getter `name` switches
 * rooms: the old one is left and the new one joined.
 */
export function useRoom(name: MaybeRefOrGetter<string>): RoomResult {
  const client = useClient();
  const r = shallowRef() as ShallowRef<RoomState>;
  let o: RoomObserver;
  // The watcher's cleanup runs before the next room is fed and when the scope is disposed.
  watch(() => toValue(name), (n, _, onCleanup) => onCleanup(feed((o = createRoomObserver(client, n)), r)), { immediate: true });
  return { ...refsOf(r, ['status', 'members', 'messages', 'error']), publish: (event, data) => o.publish(event, data) };
}

type Method<C extends Contract> = keyof C & string;
type In<C extends Contract, M extends Method<C>> = InputOf<C[M]['params']>;
type Out<C extends Contract, M extends Method<C>> = OutputOf<C[M]['result']>;

/** `useRpc` typed by a contract: its methods only, params and results inferred. */
export interface TypedUseRpc<C extends Contract> {
  <M extends Method<C>>(method: M, params?: undefined, options?: RpcOptions): RpcCall<In<C, M>, Out<C, M>>;
  // `undefined` params mean "lazy" at run time, so a plain value must be defined; a ref or getter may hold undefined (not yet).
  <M extends Method<C>>(method: M, params: Exclude<MaybeRefOrGetter<In<C, M> | undefined>, undefined>, options?: RpcOptions): RpcQuery<Out<C, M>>;
}

/** The composables whose types depend on the contract. */
export interface TetherComposables<C extends Contract> {
  /** The plugin's client, typed by the contract (`client.api.orders.create(…)`). */
  useClient(): Client<C>;
  useRpc: TypedUseRpc<C>;
}

/** `useClient` and `useRpc` typed by contract `C`: `const { useRpc } = createTetherComposables<typeof contract>()`. */
export function createTetherComposables<C extends Contract>(): TetherComposables<C> {
  // The same functions as the untyped exports: the contract lives in the types only.
  return { useClient, useRpc } as unknown as TetherComposables<C>;
}
