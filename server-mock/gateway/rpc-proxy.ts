/**
 * RPC proxy mode: with `RPC_PROXY_URL` set, calls are POSTed to a backend in Centrifugo's
 * RPC-proxy format instead of going to workers, so a Django view written for Centrifugo
 * (research/protocol.md §1.1) serves Tether clients unchanged. Its error codes 100–103 and
 * 500 become the JSON-RPC codes of docs/protocol.md; application codes pass through.
 */
import * as z from 'zod';
import { ErrorCode } from 'tether-rpc/protocol';
import type { CallReply, CallRequest } from '../broker/broker.ts';

const ProxyAnswer = z.union([
  z.object({ result: z.object({ data: z.unknown().optional() }).optional() }).strict(),
  z.object({ error: z.object({ code: z.number().int(), message: z.string().default('') }) }),
]);

/** Centrifugo proxy codes → protocol codes. */
const codes: Record<number, number> = {
  100: ErrorCode.InvalidRequest,
  101: ErrorCode.InvalidRequest,
  102: ErrorCode.MethodNotFound,
  103: ErrorCode.InvalidParams,
  500: ErrorCode.InternalError,
};

export function createRpcProxy(url: string, options: { timeoutMs?: number; fetch?: typeof fetch } = {}) {
  const doFetch = options.fetch ?? fetch;
  return async (request: CallRequest): Promise<Omit<CallReply, 'id' | 'user'>> => {
    const body = {
      client: request.conn,
      transport: 'websocket',
      protocol: 'json',
      encoding: 'json',
      user: request.user,
      method: request.method,
      // Centrifugo proxies `data` as an object; a call without params sends `{}`.
      data: request.params ?? {},
      meta: { gateway: request.gateway, callId: request.id },
    };
    let json: unknown;
    try {
      const res = await doFetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(Math.max(1, Math.min(options.timeoutMs ?? 30_000, request.deadline - Date.now()))),
      });
      if (!res.ok) return { error: { code: ErrorCode.Unavailable, message: `RPC proxy answered HTTP ${res.status}` } };
      json = await res.json();
    } catch (error) {
      const timedOut = error instanceof Error && error.name === 'TimeoutError';
      return timedOut
        ? { error: { code: ErrorCode.Timeout, message: 'RPC proxy did not answer in time' } }
        : { error: { code: ErrorCode.Unavailable, message: 'RPC proxy unreachable' } };
    }
    const answer = ProxyAnswer.safeParse(json);
    if (!answer.success) return { error: { code: ErrorCode.InternalError, message: 'RPC proxy sent a malformed answer' } };
    if ('error' in answer.data) {
      const { code, message } = answer.data.error;
      return { error: { code: codes[code] ?? code, message } };
    }
    return { result: answer.data.result?.data ?? null };
  };
}
