import { describe, expect, it, vi } from 'vitest';
import { advance, harness } from '../testing/harness.ts';
import { RpcError } from './errors.ts';

const h = harness();

describe('notifications and broadcasts', () => {
  it('delivers notifications to their user and broadcasts to everyone', async () => {
    const gw = h.gateway({ authorize: (t) => t });
    const a = h.client({ url: gw.url, token: 'alice' }).client;
    const b = h.client({ url: gw.url, token: 'bob' }).client;
    await advance(10);
    const gotA = vi.fn();
    const gotB = vi.fn();
    a.on('notification', gotA);
    b.on('notification', gotB);
    const bcast = vi.fn();
    b.on('broadcast', bcast);
    gw.notify('alice', 'order.shipped', { id: 'o1' });
    gw.broadcast('maintenance', { at: 5 });
    await advance(0);
    expect(gotA).toHaveBeenCalledWith(expect.objectContaining({ type: 'order.shipped', data: { id: 'o1' }, offset: 'fake:1-1' }));
    expect(gotB).not.toHaveBeenCalled();
    expect(bcast).toHaveBeenCalledWith(expect.objectContaining({ type: 'maintenance', data: { at: 5 } }));
  });

  it('on() returns its unsubscribe function', async () => {
    const gw = h.gateway();
    const { client } = h.client({ url: gw.url });
    await advance(10);
    const fn = vi.fn();
    const off = client.on('notification', fn);
    gw.notify('u1', 'a');
    await advance(0);
    off();
    gw.notify('u1', 'b');
    await advance(0);
    expect(fn).toHaveBeenCalledTimes(1);
  });

  it('keeps delivering to the other listeners when one throws, and reports the throw', async () => {
    const gw = h.gateway();
    const { client } = h.client({ url: gw.url });
    await advance(10);
    const boom = new Error('listener bug');
    const errors: unknown[] = [];
    client.on('error', (e) => errors.push(e));
    client.on('notification', () => {
      throw boom;
    });
    const after = vi.fn();
    client.on('notification', after);
    gw.notify('u1', 'a');
    await advance(0);
    expect(after).toHaveBeenCalledTimes(1);
    expect(errors).toEqual([boom]);
  });

  it('survives an error listener that throws', async () => {
    const gw = h.gateway();
    const { client } = h.client({ url: gw.url });
    await advance(10);
    client.on('error', () => {
      throw new Error('error listener bug');
    });
    client.on('notification', () => {
      throw new Error('listener bug');
    });
    gw.notify('u1', 'a');
    await advance(0);
    expect(client.getSnapshot().state).toBe('connected');
  });

  it('drops events already seen, by offset', async () => {
    const gw = h.gateway();
    const { client } = h.client({ url: gw.url });
    await advance(10);
    const got = vi.fn();
    client.on('notification', got);
    const n = gw.notify('u1', 'a');
    await advance(0);
    gw.last.send({ jsonrpc: '2.0', method: 'notification', params: n }); // the same event again
    gw.last.send({ jsonrpc: '2.0', method: 'notification', params: { ...n, offset: 'fake:1-0' } }); // an older one
    await advance(0);
    expect(got).toHaveBeenCalledTimes(1);
  });

  it('orders offsets numerically, not as strings', async () => {
    const gw = h.gateway();
    const { client } = h.client({ url: gw.url });
    await advance(10);
    const got: string[] = [];
    client.on('broadcast', (e) => got.push(e.offset));
    for (const offset of ['fake:9-0', 'fake:10-0', 'fake:10-2', 'fake:10-10']) {
      gw.last.send({ jsonrpc: '2.0', method: 'broadcast', params: { offset, type: 't', ts: 1 } });
    }
    await advance(0);
    expect(got).toEqual(['fake:9-0', 'fake:10-0', 'fake:10-2', 'fake:10-10']);
  });

  it('sends resume offsets in the auth frame and receives what it missed, once', async () => {
    const gw = h.gateway();
    const { client } = h.client({ url: gw.url, random: () => 0 });
    await advance(10);
    const got: string[] = [];
    client.on('notification', (e) => got.push(e.type));
    gw.notify('u1', 'before');
    await advance(0);
    gw.closeAll(1011);
    gw.notify('u1', 'missed-1'); // nobody connected: only in history
    gw.notify('u1', 'missed-2');
    gw.broadcast('missed-b');
    await advance(10);
    expect(gw.last.received[0]!.params!.resume).toEqual({ user: 'fake:1-1', broadcast: 'fake:1-0' });
    expect(got).toEqual(['before', 'missed-1', 'missed-2']);
  });

  it('resumes from the position at first auth even when no event arrived before the drop', async () => {
    const gw = h.gateway();
    gw.notify('u1', 'old'); // before the client ever connected: not replayed
    const { client } = h.client({ url: gw.url, random: () => 0 });
    const got: string[] = [];
    client.on('notification', (e) => got.push(e.type));
    await advance(10);
    gw.closeAll(1011);
    gw.notify('u1', 'missed');
    await advance(10);
    expect(got).toEqual(['missed']);
  });

  it('emits gap when the gateway could not replay what was missed', async () => {
    const gw = h.gateway();
    const { client } = h.client({ url: gw.url, random: () => 0 });
    const gaps: unknown[] = [];
    client.on('gap', (e) => gaps.push(e));
    await advance(10);
    gw.closeAll(1011);
    gw.notify('u1', 'lost');
    gw.trim('user:u1');
    await advance(10);
    expect(gaps).toEqual([{ stream: 'user' }]);
    // The next drop resumes from the new position, not from the lost one.
    gw.closeAll(1011);
    await advance(10);
    expect(gaps).toHaveLength(1);
  });

  it('emits gap on a gap notice from the gateway, and resumes from the position it gives', async () => {
    const gw = h.gateway();
    const { client } = h.client({ url: gw.url, random: () => 0 });
    const gaps: unknown[] = [];
    client.on('gap', (e) => gaps.push(e));
    await advance(10);
    gw.last.send({ jsonrpc: '2.0', method: 'gap', params: { stream: 'broadcast', offset: 'e2:7-0' } });
    await advance(0);
    expect(gaps).toEqual([{ stream: 'broadcast' }]);
    gw.closeAll(1011);
    await advance(10);
    expect((gw.last.received[0]!.params!.resume as { broadcast: string }).broadcast).toBe('e2:7-0');
  });

  it('emits gap before the first event of another epoch, and delivers it', async () => {
    const gw = h.gateway();
    const { client } = h.client({ url: gw.url });
    await advance(10);
    const seen: string[] = [];
    client.on('gap', (g) => seen.push(`gap:${g.stream}`));
    client.on('notification', (n) => seen.push(n.offset));
    // The fake gateway's offsets are of epoch `fake`: its first event of epoch `old` is a hole already.
    for (const offset of ['old:5-0', 'old:6-0', 'new:1-0', 'new:2-0', 'new:2-0']) {
      gw.last.send({ jsonrpc: '2.0', method: 'notification', params: { offset, type: 't', ts: 1 } });
    }
    await advance(0);
    expect(seen).toEqual(['gap:user', 'old:5-0', 'old:6-0', 'gap:user', 'new:1-0', 'new:2-0']);
  });

  it('reports a malformed frame as an error event and keeps the connection', async () => {
    const gw = h.gateway();
    const { client } = h.client({ url: gw.url });
    await advance(10);
    const errors: unknown[] = [];
    client.on('error', (e) => errors.push(e));
    const got = vi.fn();
    client.on('notification', got);
    gw.last.send({ jsonrpc: '2.0', method: 'notification', params: { type: 1 } });
    gw.last.send({ jsonrpc: '1.0' });
    gw.last.send({ jsonrpc: '2.0', method: 'no.such.event', params: {} });
    await advance(0);
    expect(errors).toHaveLength(3);
    expect(errors.every((e) => e instanceof RpcError)).toBe(true);
    expect(errors.map((e) => (e as RpcError).code)).toEqual([-32602, -32600, -32601]);
    expect(got).not.toHaveBeenCalled();
    expect(client.getSnapshot().state).toBe('connected');
  });
});
