// @vitest-environment node
/**
 * The core in Node, on the `ws` package's WebSocket against a real `ws` server on a port:
 * the shape the README promises for Node users (and the gateway's own tests will use).
 */
import { WebSocket } from 'ws';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startFakeGateway, type FakeGateway } from '../../e2e/support/fake-gateway.ts';
import { createClient } from './client.ts';
import { RpcError } from './errors.ts';

let gateway: FakeGateway;
beforeAll(async () => {
  gateway = await startFakeGateway();
});
afterAll(() => gateway.close());

it('connects, calls and receives notifications over a real socket with ws', async () => {
  const client = createClient({ url: gateway.url, token: 'good', WebSocket });
  const notified = new Promise((resolve) => client.on('notification', resolve));
  await expect(client.call('system.echo', { hi: 1 })).resolves.toEqual({ hi: 1 });
  await expect(client.call('no.such.method')).rejects.toBeInstanceOf(RpcError);
  await client.call('test.notifyMe', {});
  await expect(notified).resolves.toMatchObject({ type: 'hello', data: { n: 1 } });
  expect(client.getSnapshot()).toMatchObject({ state: 'connected', user: 'u1' });
  client.close();
  expect(gateway.tokens).toEqual(['good']);
});

it('rides out a refused upgrade (HTTP 503) without an uncaught error from ws', async () => {
  const { createServer } = await import('node:http');
  const server = createServer();
  server.on('upgrade', (_req, socket) => socket.end('HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  const client = createClient({ url: `ws://127.0.0.1:${port}`, token: 'good', WebSocket });
  const states: string[] = [];
  client.on('state', (e) => states.push(e.to));
  await new Promise((r) => setTimeout(r, 300));
  expect(states).toContain('reconnecting');
  client.close();
  await new Promise((r) => server.close(r));
});
