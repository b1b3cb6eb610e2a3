/**
 * The errors a call can reject with. Each has its own class so callers can branch with
 * `instanceof`; `name` is set explicitly because minifiers rename classes.
 */

export { RpcError, toRpcError } from '../protocol/rpc-error.ts';

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
