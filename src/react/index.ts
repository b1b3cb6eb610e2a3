/**
 * `tether-rpc/react`: a provider and hooks, each a thin `useSyncExternalStore` over a
 * framework-agnostic observer.
 */
/** Puts a client (created outside React) in the tree; `useClient` reads it and throws outside one. */
export { TetherProvider, useClient, type TetherProviderProps } from './provider.ts';
/** The connection's snapshot: state, attempt, next retry, close code, user, queued calls. */
export { useConnectionState } from './hooks.ts';
/** A call: with params kept up to date (`refetch`), without params lazy (`call`). */
export { useRpc, type RpcCall, type RpcOptions, type RpcQuery } from './hooks.ts';
/** The user's notifications, newest first, optionally filtered, with a handler for each new one. */
export { useNotification } from './hooks.ts';
/** A room joined while mounted (one join however many components use it): status, members, messages, `publish`. */
export { useRoom, type RoomResult } from './hooks.ts';
/** `createTetherHooks<typeof contract>()`: `useRpc` and `useClient` typed by a contract. */
export { createTetherHooks, type TetherHooks, type TypedUseRpc } from './hooks.ts';
/** State types the hooks return, from the shared observers. */
export type { CallState, CallStatus, NotificationFilter, RoomState } from '../observers/index.ts';
