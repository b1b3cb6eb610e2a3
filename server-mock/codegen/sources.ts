/**
 * Where `tether-codegen` reads the methods' descriptions: a JSON file (`system.describe`'s
 * answer, or `python -m tether_worker --describe`'s output), a running gateway (a real client
 * calling `system.describe`), or the method directory in Redis that every worker writes.
 */
import { readFile } from 'node:fs/promises';
import { WebSocket } from 'ws';
import { createClient } from 'tether-rpc';
import { signDevToken } from '../gateway/auth.ts';

export async function fromFile(path: string): Promise<unknown> {
  return JSON.parse(await readFile(path, 'utf8')) as unknown;
}

/** `system.describe` on the gateway at `url`, as user `tether-codegen` with `token`, or one signed with `jwtSecret`. */
export async function fromGateway(url: string, auth: { token?: string | undefined; jwtSecret?: string | undefined }): Promise<unknown> {
  const { token, jwtSecret } = auth;
  if (!token && !jwtSecret) throw new Error('Reading from a gateway needs a token: --token <jwt> (or TETHER_TOKEN), or JWT_SECRET to sign one');
  const client = createClient({
    url,
    token: async () => token ?? (await signDevToken(jwtSecret!, 'tether-codegen', 300)),
    WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
  });
  try {
    // Queued until the connection is up; a refused token leaves it `unauthorized`.
    return await client.call('system.describe', undefined, { timeoutMs: 10_000 });
  } catch (error) {
    const { state } = client.getSnapshot();
    throw new Error(`system.describe on ${url} failed (connection ${state}): ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  } finally {
    client.close();
  }
}

/** The methods every live worker announced, read from Redis (no gateway needed). */
export async function fromRedis(url: string, prefix: string): Promise<unknown> {
  const { createRedisBroker } = await import('../broker/redis.ts');
  const broker = await createRedisBroker({ url, prefix });
  try {
    return { methods: await broker.methods() };
  } finally {
    await broker.close();
  }
}
