/**
 * `RpcError`: a JSON-RPC error as an exception. One class for both ends: a worker throws it
 * and the client rejects with it, with the same `code`, `message` and `data`.
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
