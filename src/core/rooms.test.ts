import { describe, expect, it, vi } from 'vitest';
import { advance, harness } from '../testing/harness.ts';
import { ClosedError, RpcError, TimeoutError } from './errors.ts';

const h = harness();

describe('rooms', () => {
  it('returns the same handle for the same name', async () => {
    const gw = h.gateway();
    const { client } = h.client({ url: gw.url });
    expect(client.room('game_1')).toBe(client.room('game_1'));
  });

  it('joins once however many times join() is called, and leaves after the last leave()', async () => {
    const gw = h.gateway();
    const { client } = h.client({ url: gw.url });
    await advance(10);
    const room = client.room('game_1');
    const joins = [room.join(), room.join(), room.join()];
    await advance(0);
    await Promise.all(joins);
    expect(gw.sent('rooms.join')).toHaveLength(1);
    expect(room.getSnapshot().status).toBe('joined');
    room.leave();
    room.leave();
    await advance(0);
    expect(gw.sent('rooms.leave')).toHaveLength(0);
    room.leave();
    await advance(0);
    expect(gw.sent('rooms.leave')).toHaveLength(1);
    expect(room.getSnapshot()).toEqual({ status: 'idle', members: [] });
    room.leave(); // one too many: harmless
    expect(gw.sent('rooms.leave')).toHaveLength(1);
  });

  it('can join again through a handle kept after its last leave', async () => {
    const gw = h.gateway();
    const { client } = h.client({ url: gw.url, random: () => 0 });
    await advance(10);
    const room = client.room('r');
    await Promise.all([room.join(), advance(0)]);
    room.leave();
    await advance(0);
    expect(client.stats().rooms).toBe(0); // nothing listens: forgotten
    const got = vi.fn();
    room.on('message', got);
    await Promise.all([room.join(), advance(0)]);
    expect(client.room('r')).toBe(room);
    gw.closeAll(1011);
    await advance(10); // rejoined after the reconnect
    gw.toRoom('r', 'hello');
    await advance(0);
    expect(got).toHaveBeenCalledTimes(1);
  });

  it('delivers room messages to members only, and none after leaving', async () => {
    const gw = h.gateway({ authorize: (t) => t });
    const a = h.client({ url: gw.url, token: 'alice' }).client;
    const b = h.client({ url: gw.url, token: 'bob' }).client;
    await advance(10);
    const inA = vi.fn();
    const inB = vi.fn();
    a.room('r').on('message', inA);
    b.room('r').on('message', inB);
    await Promise.all([a.room('r').join(), advance(0)]);
    gw.toRoom('r', 'chat', { text: 'hi' });
    await advance(0);
    expect(inA).toHaveBeenCalledWith(expect.objectContaining({ room: 'r', event: 'chat', data: { text: 'hi' } }));
    expect(inB).not.toHaveBeenCalled();
    a.room('r').leave();
    await advance(0);
    gw.toRoom('r', 'chat', { text: 'bye' });
    await advance(0);
    expect(inA).toHaveBeenCalledTimes(1);
  });

  it('waits for a connection to join a room asked for while offline', async () => {
    const gw = h.gateway();
    const { client, page } = h.client({ url: gw.url });
    await advance(10);
    page.goOffline();
    const joined = client.room('r').join();
    expect(client.room('r').getSnapshot().status).toBe('joining');
    page.goOnline();
    await advance(10);
    await joined;
    expect(client.room('r').getSnapshot().status).toBe('joined');
  });

  it('rejects join() at the deadline but keeps wanting the room', async () => {
    const gw = h.gateway();
    const { client, page } = h.client({ url: gw.url, callTimeoutMs: 1000 });
    await advance(10);
    page.goOffline();
    const joined = client.room('r').join();
    const check = expect(joined).rejects.toBeInstanceOf(TimeoutError);
    await advance(1000);
    await check;
    page.goOnline();
    await advance(10);
    expect(client.room('r').getSnapshot().status).toBe('joined');
  });

  it('rejects join() with the refusal and shows it in the snapshot', async () => {
    const gw = h.gateway({ forbidden: ['vip'] });
    const { client } = h.client({ url: gw.url });
    await advance(10);
    const joined = client.room('vip').join().catch((e: unknown) => e);
    await advance(0);
    const error = await joined;
    expect(error).toBeInstanceOf(RpcError);
    expect(error).toMatchObject({ code: -32002 });
    expect(client.room('vip').getSnapshot()).toMatchObject({ status: 'error', error });
  });

  it('rejects a pending join() when the room is left before it was joined', async () => {
    const gw = h.gateway();
    const { client, page } = h.client({ url: gw.url });
    await advance(10);
    page.goOffline();
    const joined = client.room('r').join();
    client.room('r').leave();
    await expect(joined).rejects.toBeInstanceOf(ClosedError);
  });

  it('rejoins after a reconnect from its last offset and replays what it missed, once', async () => {
    const gw = h.gateway();
    const { client } = h.client({ url: gw.url, random: () => 0 });
    await advance(10);
    const room = client.room('r');
    const got: string[] = [];
    room.on('message', (m) => got.push(m.event));
    await Promise.all([room.join(), advance(0)]);
    gw.toRoom('r', 'one');
    await advance(0);
    gw.closeAll(1011);
    gw.toRoom('r', 'two');
    gw.toRoom('r', 'three');
    await advance(10);
    expect(gw.sent('rooms.join').map((f) => f.params)).toEqual([{ room: 'r' }, { room: 'r', since: 'fake:1-1' }]);
    expect(got).toEqual(['one', 'two', 'three']);
    expect(room.getSnapshot().status).toBe('joined');
    gw.last.send({ jsonrpc: '2.0', method: 'room.message', params: { room: 'r', offset: 'fake:1-2', event: 'two', ts: 1 } });
    await advance(0);
    expect(got).toEqual(['one', 'two', 'three']);
  });

  it('emits gap when the room history no longer reaches back to its offset', async () => {
    const gw = h.gateway();
    const { client } = h.client({ url: gw.url, random: () => 0 });
    await advance(10);
    const room = client.room('r');
    const gaps: unknown[] = [];
    room.on('gap', (e) => gaps.push(e));
    await Promise.all([room.join(), advance(0)]);
    gw.closeAll(1011);
    gw.toRoom('r', 'lost');
    gw.trim('room:r');
    await advance(10);
    expect(gaps).toEqual([{ room: 'r' }]);
  });

  it('emits gap on a gap notice for the room, and rejoins from the position it gives', async () => {
    const gw = h.gateway();
    const { client } = h.client({ url: gw.url, random: () => 0 });
    await advance(10);
    const room = client.room('r');
    const gaps: unknown[] = [];
    room.on('gap', (e) => gaps.push(e));
    await Promise.all([room.join(), advance(0)]);
    gw.last.send({ jsonrpc: '2.0', method: 'gap', params: { stream: 'room', room: 'r', offset: 'e9:4-0' } });
    gw.last.send({ jsonrpc: '2.0', method: 'gap', params: { stream: 'room', room: 'not-joined', offset: 'e9:4-0' } });
    await advance(0);
    expect(gaps).toEqual([{ room: 'r' }]);
    gw.closeAll(1011);
    await advance(10);
    expect(gw.sent('rooms.join').at(-1)!.params).toEqual({ room: 'r', since: 'e9:4-0' });
  });

  it('keeps its position when the join answer comes before the replay it announces', async () => {
    const gw = h.gateway();
    const { client } = h.client({ url: gw.url, random: () => 0 });
    await advance(10);
    const room = client.room('r');
    const got: string[] = [];
    room.on('message', (m) => got.push(m.event));
    await Promise.all([room.join(), advance(0)]);
    gw.toRoom('r', 'one');
    await advance(0);
    // A gateway that answers first (recovered, its tip), then replays what was missed.
    gw.method('rooms.join', (_p, conn) => {
      setTimeout(() => conn.send({ jsonrpc: '2.0', method: 'room.message', params: { room: 'r', offset: 'fake:1-2', event: 'two', ts: 1 } }));
      return { room: 'r', offset: 'fake:1-2', recovered: true };
    });
    gw.closeAll(1011);
    await advance(10);
    expect(got).toEqual(['one', 'two']);
  });

  it('tracks presence: members on join, then joined and left events', async () => {
    const gw = h.gateway({ authorize: (t) => t });
    const a = h.client({ url: gw.url, token: 'alice' }).client;
    const b = h.client({ url: gw.url, token: 'bob' }).client;
    await advance(10);
    await Promise.all([b.room('r').join(), advance(0)]);
    await Promise.all([a.room('r').join(), advance(0)]);
    await advance(0);
    expect(a.room('r').getSnapshot().members.sort()).toEqual(['alice', 'bob']);
    const changes = vi.fn();
    a.room('r').on('presence', changes);
    const toAlice = gw.conns.find((c) => c.user === 'alice')!;
    toAlice.send({ jsonrpc: '2.0', method: 'presence', params: { room: 'r', left: 'bob' } });
    toAlice.send({ jsonrpc: '2.0', method: 'presence', params: { room: 'r', joined: 'carol' } });
    await advance(0);
    expect(changes).toHaveBeenCalledTimes(2);
    expect(a.room('r').getSnapshot().members.sort()).toEqual(['alice', 'carol']);
  });

  it('keeps members whose presence frames are handled before the join answer', async () => {
    const gw = h.gateway();
    gw.method('rooms.join', (p, conn) => {
      conn.send({ jsonrpc: '2.0', method: 'presence', params: { room: p?.room, joined: 'early' } });
      return { room: p?.room, offset: '1-0', recovered: true };
    });
    const { client } = h.client({ url: gw.url });
    await advance(10);
    await Promise.all([client.room('r').join(), advance(0)]);
    expect(client.room('r').getSnapshot().members).toEqual(['early']);
  });

  it('publishes through a call, queued like any other', async () => {
    const gw = h.gateway();
    gw.method('rooms.publish', (p) => ({ ok: true, echo: p }));
    const { client, page } = h.client({ url: gw.url });
    await advance(10);
    page.goOffline();
    const sent = client.room('r').publish('chat', { text: 'hi' });
    page.goOnline();
    await advance(10);
    await expect(sent).resolves.toMatchObject({ echo: { room: 'r', event: 'chat', data: { text: 'hi' } } });
  });

  it('notifies snapshot subscribers when the room changes', async () => {
    const gw = h.gateway();
    const { client } = h.client({ url: gw.url });
    await advance(10);
    const room = client.room('r');
    const seen: string[] = [];
    const off = room.subscribe(() => seen.push(room.getSnapshot().status));
    await Promise.all([room.join(), advance(0)]);
    off();
    expect([...new Set(seen)]).toEqual(['joining', 'joined']);
  });
});
