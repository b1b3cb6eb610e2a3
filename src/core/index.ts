/**
 * `tether-rpc`: the framework-agnostic client.
 */
export {
  createClient,
  type AnyClient,
  type Client,
  type ClientEvents,
  type ClientSnapshot,
  type ConnectionState,
  type StateChange,
} from './client.ts';
export {
  defineContract,
  type Api,
  type CallOptions,
  type Contract,
  type InputOf,
  type MethodFn,
  type MethodSchemas,
  type OutputOf,
  type StandardResult,
  type StandardSchema,
} from './contract.ts';
export { AbortError, ClosedError, OfflineError, RpcError, TimeoutError } from './errors.ts';
export { backoffDelay, type BackoffOptions } from './backoff.ts';
export type { CloseAction } from './close-policy.ts';
export {
  browserEnvironment,
  type Environment,
  type EnvironmentSignals,
  type WebSocketConstructor,
  type WebSocketLike,
} from './environment.ts';
export type { ClientOptions, Lazy, OfflinePolicy, Timers } from './options.ts';
export type { Room, RoomEvents, RoomOptions, RoomSnapshot, RoomStatus } from './rooms.ts';
export type {
  BroadcastEvent,
  NotificationEvent,
  PresenceChange,
  RoomMessage,
} from '../protocol/server-frames.ts';
