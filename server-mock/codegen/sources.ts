/**
 * Where `tether-codegen` reads the methods' descriptions: a JSON file (`system.describe`'s
 * answer, or `python -m tether_worker --describe`'s output), a running gateway (a real client
 * calling `system.describe`), or the method directory in Redis that every worker writes.
 */
import { readFile } from 'node:fs/promises';
import { WebSocket } from 'ws';
import pino from 'pino';
import { SUBPROTOCOL as PROTOCOL } from 'tether-rpc/protocol';
import { openBroker } from '../app.ts';
import { signDevToken } from '../gateway/auth.ts';

export async function fromFile(path: string): Promise<unknown> {
  return JSON.parse(await readFile(path, 'utf8')) as unknown;
}

/**
 * `system.describe` on the gateway at `url`, as user `tether-codegen` with `token`, or one
 * signed with `jwtSecret`: the wire protocol's `auth` then one request, over `ws`.
 */
export async function fromGateway(url: string, auth: { token?: string | undefined; jwtSecret?: string | undefined }): Promise<unknown> {
  const { jwtSecret } = auth;
  if (!auth.token && !jwtSecret) throw new Error('Reading from a gateway needs a token: --token <jwt> (or TETHER_TOKEN), or JWT_SECRET to sign one');
  const token = auth.token ?? (await signDevToken(jwtSecret!, 'tether-codegen', 300));
  const ws = new WebSocket(url, PROTOCOL);
  try {
    return await new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`No answer from ${url} within 10 s`)), 10_000);
      const fail = (error: Error) => (clearTimeout(timer), reject(error));
      ws.on('error', fail);
      ws.on('close', (code, reason) => fail(new Error(`The gateway at ${url} closed the connection (${code} ${reason.toString()})`)));
      ws.on('open', () => ws.send(JSON.stringify({ jsonrpc: '2.0', id: 'auth', method: 'auth', params: { token } })));
      ws.on('message', (data) => {
        const frame = JSON.parse(data.toString()) as { id?: string; method?: string; result?: unknown; error?: { code: number; message: string } };
        if (frame.method === 'ping') return ws.send(JSON.stringify({ jsonrpc: '2.0', method: 'pong' }));
        if (frame.error) return fail(new Error(`${frame.id === 'auth' ? 'auth' : 'system.describe'} failed: ${frame.error.code} ${frame.error.message}`));
        if (frame.id === 'auth') ws.send(JSON.stringify({ jsonrpc: '2.0', id: 'describe', method: 'system.describe' }));
        if (frame.id === 'describe') {
          clearTimeout(timer);
          resolve(frame.result);
        }
      });
    });
  } finally {
    ws.terminate();
  }
}

/** The methods every live worker announced, read from Redis (no gateway needed). */
export async function fromRedis(url: string, prefix: string): Promise<unknown> {
  const broker = await openBroker({ redisUrl: url, prefix }, pino({ level: 'silent' }));
  try {
    return { methods: await broker.methods() };
  } finally {
    await broker.close();
  }
}
