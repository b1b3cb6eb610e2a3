/**
 * Error and close codes of protocol v1, shared by the client and the gateway.
 * Each code says what it means and what a client does about it. They are enums because
 * bundlers inline enum members, so code that tests one code does not carry the table.
 */

/** JSON-RPC `error.code` values that cross the wire. Codes >= 1 belong to applications. */
export enum ErrorCode {
  /** The frame is not JSON. */
  ParseError = -32700,
  /** The frame is JSON but not a JSON-RPC 2.0 request (no method, bad id, bad envelope). */
  InvalidRequest = -32600,
  /** No built-in method and no worker method has this name. */
  MethodNotFound = -32601,
  /** The params failed validation; `data.issues` lists `{ path, message }`. */
  InvalidParams = -32602,
  /** A handler crashed. The message is kept, the stack never is. */
  InternalError = -32603,
  /** Not authenticated, or the token is invalid. */
  Unauthenticated = -32001,
  /** Authenticated but not allowed (e.g. joining a room the user may not enter). */
  Forbidden = -32002,
  /** No worker answered before the call's deadline. */
  Timeout = -32003,
  /** Too many calls; slow down. */
  RateLimited = -32004,
  /** No broker or no worker can take the call right now. */
  Unavailable = -32005,
  /** The frame exceeds the gateway's size limit. */
  PayloadTooLarge = -32006,
  /** The token has expired: refresh it with `auth.refresh`. */
  TokenExpired = -32007,
}

/** WebSocket close codes a gateway uses, and how a client reacts to each. */
export enum CloseCode {
  /** Normal closure. A client that did not ask for it reconnects. */
  Normal = 1000,
  /** The server is going away. Reconnect with backoff. */
  GoingAway = 1001,
  /** A frame was too big. Reconnect with backoff; the offending call has failed. */
  TooBig = 1009,
  /** The server hit an internal error. Reconnect with backoff. */
  InternalError = 1011,
  /** The server is restarting. Reconnect soon, within a short jittered window. */
  ServiceRestart = 1012,
  /** The server is overloaded. Reconnect with backoff. */
  TryAgainLater = 1013,
  /** The server does not speak this protocol version. Terminal: do not reconnect. */
  UnsupportedProtocol = 4000,
  /** The token was refused. Get a fresh token once and retry; if refused again, stop. */
  Unauthorized = 4001,
  /** No auth frame arrived within the deadline. Reconnect with backoff. */
  AuthTimeout = 4008,
  /** Too many connections or frames from this client. Reconnect with backoff. */
  RateLimited = 4029,
}

/** The WebSocket subprotocol of this protocol version, negotiated on upgrade. */
export const SUBPROTOCOL = 'tether.v1';
