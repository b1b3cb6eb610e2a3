/**
 * `tether-rpc/protocol`: wire protocol v1, shared by the client and the gateway.
 */
export { CloseCode, ErrorCode, SUBPROTOCOL } from './codes.ts';
export { compareOffsets, epochOf } from './offsets.ts';
export {
  defineContract,
  type Contract,
  type InputOf,
  type MethodSchemas,
  type OutputOf,
  type StandardResult,
  type StandardSchema,
} from './contract.ts';
export { RpcError } from './rpc-error.ts';
export { decode, type Frame } from './decode-any.ts';
export {
  createDecoder,
  decodeServerFrame,
  toIssues,
  type CallRequest,
  type Decoded,
  type ErrorFrame,
  type EventFrame,
  type Id,
  type Issue,
  type ProtocolError,
  type RequestFrame,
  type ResultFrame,
  type ServerFrame,
} from './decode.ts';
export {
  AuthParams,
  AuthRefreshParams,
  BuiltinRequests,
  ClientEvents,
  Offset,
  PresenceGetParams,
  Resume,
  RoomJoinParams,
  RoomLeaveParams,
  RoomPublishParams,
  type BuiltinMethod,
} from './client-frames.ts';
export { AuthRefreshResult, PresenceResult } from './unread-results.ts';
export {
  AuthResult,
  BroadcastParams,
  GapParams,
  NotificationParams,
  PresenceParams,
  RoomJoinResult,
  RoomMessageParams,
  ServerEvents,
  TokenExpiringParams,
  WireError,
  type BroadcastEvent,
  type GapNotice,
  type NotificationEvent,
  type PresenceChange,
  type RoomMessage,
} from './server-frames.ts';
