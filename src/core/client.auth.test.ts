import { describe, expect, it, vi } from 'vitest';
import { advance, harness } from '../testing/harness.ts';
import { jwt } from '../testing/jwt.ts';
import { RpcError } from './errors.ts';

const h = harness();

describe('auth', () => {
  it('sends the auth frame first, and calls a token function on every connect', async () => {
    const gw = h.gateway();
    let n = 0;
    const token = vi.fn(async () => `t${++n}`);
    h.client({ url: gw.url, token, random: () => 0 });
    await advance(10);
    gw.closeAll(1011);
    await advance(10);
    expect(token).toHaveBeenCalledTimes(2);
    expect(gw.conns.map((c) => c.received[0])).toMatchObject([
      { method: 'auth', params: { token: 't1' } },
      { method: 'auth', params: { token: 't2' } },
    ]);
  });

  it('on 4001 gets one fresh token and retries at once; refused again, it goes unauthorized and stops', async () => {
    const gw = h.gateway({ authorize: () => undefined });
    const token = vi.fn(() => 'stale');
    const { client, states } = h.client({ url: gw.url, token });
    await advance(10);
    expect(token).toHaveBeenCalledTimes(2);
    expect(client.getSnapshot()).toMatchObject({ state: 'unauthorized', code: 4001 });
    expect(states).toEqual(['idle', 'connecting', 'authenticating', 'reconnecting', 'connecting', 'authenticating', 'unauthorized']);
    await advance(10 * 60_000);
    expect(gw.conns).toHaveLength(2);
    await expect(client.call('x')).rejects.toMatchObject({ code: -32001 });
  });

  it('treats a refusal as a state change, not as an error event', async () => {
    const gw = h.gateway({ authorize: () => undefined });
    const { client } = h.client({ url: gw.url, token: 'bad', autoConnect: false });
    const errors: unknown[] = [];
    client.on('error', (e) => errors.push(e));
    client.connect();
    await advance(10);
    expect(client.getSnapshot().state).toBe('unauthorized');
    expect(errors).toEqual([]);
  });

  it('recovers from 4001 when the fresh token is accepted', async () => {
    const gw = h.gateway({ authorize: (t) => (t === 'fresh' ? 'u1' : undefined) });
    const tokens = ['stale', 'fresh'];
    const { client } = h.client({ url: gw.url, token: () => tokens.shift() ?? 'fresh' });
    await advance(10);
    expect(client.getSnapshot().state).toBe('connected');
  });

  it('leaves unauthorized when setToken() gives a token that works', async () => {
    const gw = h.gateway({ authorize: (t) => (t === 'new' ? 'u1' : undefined) });
    const { client } = h.client({ url: gw.url, token: 'old' });
    await advance(10);
    expect(client.getSnapshot().state).toBe('unauthorized');
    client.setToken('new');
    await advance(10);
    expect(client.getSnapshot().state).toBe('connected');
  });

  it('never sends a token it knows is expired', async () => {
    const gw = h.gateway();
    const expired = jwt({ sub: 'u1', exp: Math.floor(Date.now() / 1000) - 60 });
    const { client } = h.client({ url: gw.url, token: expired });
    await advance(10);
    expect(gw.conns).toHaveLength(0);
    expect(client.getSnapshot()).toMatchObject({ state: 'unauthorized', reason: 'token expired' });
  });

  it('asks the token function again when it returned an expired token', async () => {
    const gw = h.gateway();
    const now = Math.floor(Date.now() / 1000);
    const tokens = [jwt({ exp: now - 1 }), jwt({ exp: now + 3600 })];
    const { client } = h.client({ url: gw.url, token: () => tokens.shift()! });
    await advance(10);
    expect(client.getSnapshot().state).toBe('connected');
    expect(gw.last.received[0]!.params!.token).toMatch(/\.sig$/);
  });

  it('answers token.expiring with auth.refresh on the live socket, with a fresh token', async () => {
    const gw = h.gateway();
    let n = 0;
    const { client } = h.client({ url: gw.url, token: () => `t${++n}` });
    await advance(10);
    gw.last.send({ jsonrpc: '2.0', method: 'token.expiring', params: { inMs: 60_000 } });
    await advance(10);
    expect(gw.sent('auth.refresh')).toMatchObject([{ params: { token: 't2' } }]);
    expect(gw.conns).toHaveLength(1);
    expect(client.getSnapshot().state).toBe('connected');
  });

  it('refreshes the token and resends a call refused with -32007 (token expired), once', async () => {
    const gw = h.gateway();
    let expired = true;
    gw.method('orders.list', () => {
      if (expired) throw { code: -32007, message: 'Token expired' };
      return ['o1'];
    });
    gw.method('auth.refresh', () => {
      expired = false;
      return { exp: 0 };
    });
    const { client } = h.client({ url: gw.url });
    await advance(10);
    const result = client.call('orders.list');
    await advance(10);
    await expect(result).resolves.toEqual(['o1']);
    expect(gw.sent('orders.list')).toHaveLength(2);
    expect(new Set(gw.sent('orders.list').map((f) => f.id)).size).toBe(1);
  });

  it('rejects with the RpcError when the call is refused with -32007 again after a refresh', async () => {
    const gw = h.gateway();
    gw.method('orders.list', () => {
      throw { code: -32007, message: 'Token expired' };
    });
    const { client } = h.client({ url: gw.url });
    await advance(10);
    const result = client.call('orders.list');
    const check = expect(result).rejects.toMatchObject({ code: -32007 });
    await advance(10);
    await check;
    expect(gw.sent('orders.list')).toHaveLength(2);
  });

  it('refreshes on the live socket after setToken()', async () => {
    const gw = h.gateway();
    const { client } = h.client({ url: gw.url, token: 'a' });
    await advance(10);
    client.setToken('b');
    await advance(10);
    expect(gw.sent('auth.refresh')).toMatchObject([{ params: { token: 'b' } }]);
  });

  it('reports a failed refresh as an error event, not as a thrown error', async () => {
    const gw = h.gateway();
    gw.method('auth.refresh', () => {
      throw { code: -32001, message: 'nope' };
    });
    const { client } = h.client({ url: gw.url });
    const errors: unknown[] = [];
    client.on('error', (e) => errors.push(e));
    await advance(10);
    gw.last.send({ jsonrpc: '2.0', method: 'token.expiring', params: { inMs: 1000 } });
    await advance(10);
    expect(errors[0]).toBeInstanceOf(RpcError);
  });
});
