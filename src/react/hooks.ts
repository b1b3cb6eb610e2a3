/**
 * The hooks: one observer from `src/observers` per component, read with
 * `useSyncExternalStore`. When to run, rerun, join, leave and what to keep is the
 * observer's job (the Vue composables share it); here is only which observer a component holds.
 */
import { useEffect, useState, useSyncExternalStore } from 'react';
import type { CallOptions, Client, ClientSnapshot, Contract, InputOf, NotificationEvent, OutputOf } from '../core/index.ts';
import {
  createCallObserver,
  createNotificationsObserver,
  createRoomObserver,
  type CallState,
  type NotificationFilter,
  type Observable,
  type RoomState,
} from '../observers/index.ts';
import { useClient } from './provider.ts';

/** Options of `useRpc`, read when the hook mounts (or its method changes). */
export type RpcOptions = Pick<CallOptions, 'timeoutMs' | 'offline'>;

/** `useRpc` with params: the call kept up to date. */
export interface RpcQuery<T> extends CallState<T> {
  /** Run the call again now (its rejection is also in `error`). */
  refetch(): Promise<T>;
}

/** `useRpc` without params: the call runs on `call(params)`. */
export interface RpcCall<P, T> extends CallState<T> {
  /** Run the call (its rejection is also in `error`). */
  call: undefined extends P ? (params?: P) => Promise<T> : (params: P) => Promise<T>;
  /** Run the call from an event handler: never rejects, so `onClick={() => mutate(x)}` leaves no unhandled rejection. */
  mutate: undefined extends P ? (params?: P) => void : (params: P) => void;
}

/** `useRoom`: the room's state and a way to publish to it. */
export interface RoomResult extends RoomState {
  /** Publish to the room, where the gateway allows it. */
  publish(event: string, data?: unknown): Promise<unknown>;
}

type Method<C extends Contract> = keyof C & string;
type In<C extends Contract, M extends Method<C>> = InputOf<C[M]['params']>;
type Out<C extends Contract, M extends Method<C>> = OutputOf<C[M]['result']>;

/** `useRpc` typed by a contract: its methods only, params and results inferred. */
export interface TypedUseRpc<C extends Contract> {
  // `undefined` params mean "lazy" at run time, so the automatic form takes only defined ones.
  <M extends Method<C>>(method: M, params: Exclude<In<C, M>, undefined>, options?: RpcOptions): RpcQuery<Out<C, M>>;
  <M extends Method<C>>(method: M, params?: undefined, options?: RpcOptions): RpcCall<In<C, M>, Out<C, M>>;
}

/** The hooks whose types depend on the contract. */
export interface TetherHooks<C extends Contract> {
  /** The provider's client, typed by the contract (`client.api.orders.create(…)`). */
  useClient(): Client<C>;
  useRpc: TypedUseRpc<C>;
}

/** The server snapshot is the client's: server rendering shows the initial state. */
const useObserved = <T>(o: Observable<T>) => useSyncExternalStore(o.subscribe, o.getSnapshot, o.getSnapshot);

/**
 * The component's observer, made again when the client or `key` (method, room) changes; the
 * old one stops a task after its last unsubscribe. Making one is free: an observer works only
 * while subscribed, so the spare that StrictMode's double render makes is never started.
 */
function useObserver<O>(create: (client: Client) => O, key: unknown): O {
  const client = useClient();
  const [held, hold] = useState(() => ({ o: create(client), client, key }));
  if (held.client === client && Object.is(held.key, key)) return held.o;
  const next = { o: create(client), client, key };
  hold(next); // an update during render: React renders again at once with `next`
  return next.o;
}

export function useConnectionState(): ClientSnapshot {
  return useObserved(useClient());
}

export function useRpc(method: string, params: NonNullable<unknown> | null, options?: RpcOptions): RpcQuery<unknown>;
export function useRpc(method: string, params?: undefined, options?: RpcOptions): RpcCall<unknown, unknown>;
export function useRpc(method: string, params?: unknown, options?: RpcOptions): RpcQuery<unknown> & RpcCall<unknown, unknown> {
  const o = useObserver((client) => createCallObserver(client, method, { ...options, params }), method);
  // Compared by value in the observer: a new object with the same value does not run again.
  useEffect(() => {
    o.setParams(params);
  }, [o, params]);
  return { ...useObserved(o), refetch: o.refetch, call: o.call, mutate: o.mutate };
}

export function useNotification(filter?: NotificationFilter, handler?: (n: NotificationEvent) => void): NotificationEvent[] {
  // A predicate is usually inline (new every render), so it is read on mount; a type string may change.
  const o = useObserver((client) => createNotificationsObserver(client, { filter, onNotification: handler }), typeof filter === 'function' || filter);
  useEffect(() => {
    o.setHandler(handler);
  }, [o, handler]);
  return useObserved(o);
}

export function useRoom(name: string): RoomResult {
  const o = useObserver((client) => createRoomObserver(client, name), name);
  return { ...useObserved(o), publish: o.publish };
}

export function createTetherHooks<C extends Contract>(): TetherHooks<C> {
  // The same functions as the untyped exports: the contract lives in the types only.
  return { useClient, useRpc } as unknown as TetherHooks<C>;
}
