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
