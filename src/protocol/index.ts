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
export { createDecoder, type CallRequest, type EventFrame, type RequestFrame } from './decode.ts';
export { decodeServerFrame, type ServerFrame } from './decode-server.ts';
export type { Decoded, ErrorFrame, Id, ProtocolError, ResultFrame } from './envelope.ts';
export { toIssues, type Issue } from './issues.ts';
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
