/**
 * `tether-rpc/vue`: a plugin that provides the client, and composables returning refs, each
 * a thin `shallowRef` over a framework-agnostic observer (the React hooks share them).
 */
/** `app.use(createTether(client))` provides the client under `TetherClientKey`; `useClient` injects it and throws without one. */
export { createTether, TetherClientKey, useClient } from './plugin.ts';
/** The connection's snapshot as a ref: state, attempt, next retry, close code, user, queued calls. */
export { useConnectionState } from './composables.ts';
/** A call: with params (value, ref or getter) kept up to date (`refetch`), without params lazy (`call`). */
export { useRpc, type RpcCall, type RpcOptions, type RpcQuery, type RpcRefs } from './composables.ts';
/** The user's notifications as a ref, newest first, optionally filtered, with a handler for each new one. */
export { useNotification } from './composables.ts';
/** A room joined while the scope lives (one join however many components use it): status, members, messages, `publish`. */
export { useRoom, type RoomResult } from './composables.ts';
/** `createTetherComposables<typeof contract>()`: `useRpc` and `useClient` typed by a contract. */
export { createTetherComposables, type TetherComposables, type TypedUseRpc } from './composables.ts';
/** State types the composables expose, from the shared observers. */
export type { CallState, CallStatus, NotificationFilter, RoomState } from '../observers/index.ts';
