import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { reach, startSystem } from '../testing/system.ts';
import { createRpcProxy } from './rpc-proxy.ts';

/** A backend speaking Centrifugo's RPC-proxy format, as django-cfg's RPCProxyView did. */
let backend: Server;
let url: string;
const seen: unknown[] = [];
beforeAll(async () => {
  backend = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const r = JSON.parse(body);
      seen.push(r);
      const answer = (o: unknown) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(o));
      if (r.method === 'tasks.get_stats') return answer({ result: { data: { total: 3, user: r.user, echo: r.data } } });
      if (r.method === 'bad.params') return answer({ error: { code: 103, message: 'Invalid params: qty' } });
      if (r.method === 'app.error') return answer({ error: { code: 4004, message: 'Order not found' } });
      if (r.method === 'garbage') return answer({ nope: true });
      if (r.method === 'http.error') return res.writeHead(502).end();
      return answer({ error: { code: 102, message: `Method '${r.method}' not found` } });
    });
  });
  await new Promise<void>((r) => backend.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(backend.address() as AddressInfo).port}/centrifugo/rpc/`;
});
afterAll(() => new Promise((r) => backend.close(r)));

it('sends calls in the RPC-proxy format and maps its answers and error codes', async () => {
  const s = await startSystem({ gateway: { proxy: createRpcProxy(url) }, workers: 0 });
  try {
    const c = s.client('42');
    await reach(c, 'connected');
    expect(await c.call('tasks.get_stats', { include_completed: true })).toEqual({ total: 3, user: '42', echo: { include_completed: true } });
    expect(seen.at(-1)).toMatchObject({ transport: 'websocket', protocol: 'json', encoding: 'json', user: '42', method: 'tasks.get_stats', data: { include_completed: true } });
    const err = (p: Promise<unknown>) => p.catch((e: { code: number; message: string }) => ({ code: e.code, message: e.message }));
    expect(await err(c.call('bad.params', {}))).toEqual({ code: -32602, message: 'Invalid params: qty' });
    expect(await err(c.call('nope', {}))).toMatchObject({ code: -32601 });
    expect(await err(c.call('app.error', {}))).toEqual({ code: 4004, message: 'Order not found' });
    expect(await err(c.call('garbage', {}))).toMatchObject({ code: -32603 });
    expect(await err(c.call('http.error', {}))).toMatchObject({ code: -32005 });
    expect((seen.at(-1) as { data: unknown }).data).toEqual({});
  } finally {
    await s.stop();
  }
});
