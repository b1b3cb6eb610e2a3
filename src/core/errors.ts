/**
 * The errors a call can reject with. Each has its own class so callers can branch with
 * `instanceof`; `name` is set explicitly because minifiers rename classes.
 */

/** The gateway or a handler answered with a JSON-RPC error. */
export class RpcError extends Error {
  override readonly name = 'RpcError';
  /** JSON-RPC error code: negative for protocol errors (see `ErrorCode`), >= 1 for application errors. */
  declare readonly code: number;
  /** Extra detail, e.g. `{ issues: [{ path, message }] }` for invalid params. */
  declare readonly data?: unknown;
  constructor(code: number, message: string, data?: unknown) {
    super(message);
    Object.assign(this, { code, data });
  }
}

/** The error a JSON-RPC error object stands for. */
export const toRpcError = (e: { code: number; message: string; data?: unknown }) => new RpcError(e.code, e.message, e.data);

const named = <N extends string>(name: N) =>
  class extends Error {
    override readonly name: N = name;
  };

/** The call's deadline passed, counting time spent waiting in the outbox. */
export class TimeoutError extends named('TimeoutError') {}

/** The caller's `AbortSignal` fired. */
export class AbortError extends named('AbortError') {}

/** The client was closed, by the caller or by a terminal close code from the gateway. */
export class ClosedError extends named('ClosedError') {}

/** The call was made while not connected with the offline policy `reject`, or the outbox was full. */
export class OfflineError extends named('OfflineError') {}
