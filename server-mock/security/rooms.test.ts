/**
 * Attacks on rooms, as another user or an anonymous socket would make them, against a gateway
 * configured as `tether-gateway` is: every room operation (join, a join resumed in the auth
 * frame, replay through `since`, presence, publish) asks one policy, and nobody gets into a
 * room no rule admits them to. On both brokers, since room names end up in key names.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { describeWithRedis } from '../testing/redis.ts';
import { until } from '../testing/system.ts';
import { startSecured, tokenFor, sign, type BrokerKind, type Secured } from './harness.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function roomAttacks(kind: BrokerKind) {
  let g: Secured | undefined;
  const start = async (env: Record<string, string> = {}) => (g = await startSecured(kind, env));
  afterEach(async () => {
    await g?.stop();
    g = undefined;
  });

  it('refuses a stranger joining dialog#alice,bob, and admits the users it lists', async () => {
    const s = await start({ PUBLIC_ROOMS: '*' });
    const carol = await s.as('carol');
    expect((await carol.request('rooms.join', { room: 'dialog#alice,bob' })).error?.code).toBe(-32002);
    const alice = await s.as('alice');
    expect((await alice.request('rooms.join', { room: 'dialog#alice,bob' })).result).toMatchObject({ room: 'dialog#alice,bob' });
  });

  it('refuses joining a $private room without a room token, and admits one signed for that user and room', async () => {
    const s = await start({ PUBLIC_ROOMS: '*' });
    const alice = await s.as('alice');
    expect((await alice.request('rooms.join', { room: '$private' })).error?.code).toBe(-32002);
    const forBob = await sign({ sub: 'bob', room: '$private' });
    expect((await alice.request('rooms.join', { room: '$private', token: forBob })).error?.code).toBe(-32002);
    const forOther = await sign({ sub: 'alice', room: '$other' });
    expect((await alice.request('rooms.join', { room: '$private', token: forOther })).error?.code).toBe(-32002);
    const good = await sign({ sub: 'alice', channel: '$private' });
    expect((await alice.request('rooms.join', { room: '$private', token: good })).result).toMatchObject({ room: '$private' });
  });

  it('admits no room that no rule allows under the default configuration', async () => {
    const s = await start();
    const alice = await s.as('alice');
    expect((await alice.request('rooms.join', { room: 'personal:alice' })).error?.code).toBe(-32002);
    expect((await alice.request('rooms.join', { room: 'lobby' })).error?.code).toBe(-32002);
  });

  it('admits the rooms a connection token lists, by name or pattern, and no others', async () => {
    const s = await start();
    const alice = await s.as('alice', { rooms: ['lobby', 'game_*'] });
    expect((await alice.request('rooms.join', { room: 'lobby' })).result).toMatchObject({ room: 'lobby' });
    expect((await alice.request('rooms.join', { room: 'game_7' })).result).toMatchObject({ room: 'game_7' });
    expect((await alice.request('rooms.join', { room: 'chat' })).error?.code).toBe(-32002);
  });

  it('replays no history through since to someone the room refuses', async () => {
    const s = await start({ PUBLIC_ROOMS: '*' });
    const room = 'dialog#alice,bob';
    const first = await s.broker.publish({ kind: 'room', room }, { event: 'secret', data: 1 });
    await s.broker.publish({ kind: 'room', room }, { event: 'secret', data: 2 });
    const carol = await s.as('carol');
    const since = `${first.offset.split(':')[0]}:0-0`;
    expect((await carol.request('rooms.join', { room, since })).error?.code).toBe(-32002);
    await sleep(100);
    expect(carol.frames.filter((f) => f.method === 'room.message')).toEqual([]);
  });

  it('checks rooms resumed in the auth frame like any join', async () => {
    const s = await start({ PUBLIC_ROOMS: '*' });
    const room = 'dialog#alice,bob';
    const old = await s.broker.publish({ kind: 'room', room }, { event: 'secret', data: 1 });
    await s.broker.publish({ kind: 'room', room }, { event: 'secret', data: 2 });
    const carol = await s.as('carol', {}, { rooms: { [room]: old.offset } });
    expect((carol.auth.result!.recovered as { rooms: Record<string, boolean> }).rooms).toEqual({});
    await s.broker.publish({ kind: 'room', room }, { event: 'secret', data: 3 });
    await sleep(150);
    expect(carol.frames.filter((f) => f.method === 'room.message')).toEqual([]);
  });

  it('answers presence.get only to members of the room', async () => {
    const s = await start({ PUBLIC_ROOMS: '*' });
    const alice = await s.as('alice');
    await alice.request('rooms.join', { room: 'dialog#alice,bob' });
    const carol = await s.as('carol');
    expect((await carol.request('presence.get', { room: 'dialog#alice,bob' })).error?.code).toBe(-32002);
    expect((await carol.request('presence.get', { room: 'lobby' })).error?.code).toBe(-32002);
    expect((await alice.request('presence.get', { room: 'dialog#alice,bob' })).result).toMatchObject({ members: ['alice'] });
  });

  it('refuses publishing to a room one has not joined', async () => {
    const s = await start({ PUBLIC_ROOMS: '*' });
    const carol = await s.as('carol');
    expect((await carol.request('rooms.publish', { room: 'dialog#alice,bob', event: 'x' })).error?.code).toBe(-32002);
    expect((await carol.request('rooms.publish', { room: 'lobby', event: 'x' })).error?.code).toBe(-32002);
  });

  it('stamps the sender on room messages, so a member cannot post as someone else', async () => {
    const s = await start({ PUBLIC_ROOMS: '*' });
    const alice = await s.as('alice');
    const bob = await s.as('bob');
    await alice.request('rooms.join', { room: 'lobby' });
    await bob.request('rooms.join', { room: 'lobby' });
    await alice.request('rooms.publish', { room: 'lobby', event: 'chat', data: { text: 'hi' }, from: 'bob' });
    await until(() => bob.frames.some((f) => f.method === 'room.message'));
    const message = bob.frames.find((f) => f.method === 'room.message')!;
    expect(message.params).toMatchObject({ room: 'lobby', event: 'chat', from: 'alice', data: { text: 'hi' } });
  });

  it('makes $ and # channels published through the Centrifugo API rooms with the same rules', async () => {
    const s = await start({ PUBLIC_ROOMS: '*' });
    const publish = (channel: string) =>
      fetch(`${s.http}/api`, {
        method: 'POST',
        headers: { authorization: 'apikey sec-key', 'content-type': 'application/json' },
        body: JSON.stringify({ method: 'publish', params: { channel, data: { n: 1 } } }),
      });
    expect((await publish('$secret')).status).toBe(200);
    expect((await publish('chat#alice')).status).toBe(200);
    const carol = await s.as('carol');
    expect((await carol.request('rooms.join', { room: '$secret' })).error?.code).toBe(-32002);
    expect((await carol.request('rooms.join', { room: 'chat#alice' })).error?.code).toBe(-32002);
    const alice = await s.as('alice');
    const joined = await alice.request('rooms.join', { room: 'chat#alice', since: 'x:0-0' });
    expect(joined.result).toMatchObject({ room: 'chat#alice' });
  });

  it('keeps the keys of room X:users apart from those of room X', async () => {
    const s = await start({ PUBLIC_ROOMS: '*' });
    const alice = await s.as('alice');
    const bob = await s.as('bob');
    expect((await alice.request('rooms.join', { room: 'X' })).result).toBeDefined();
    expect((await bob.request('rooms.join', { room: 'X:users' })).result).toBeDefined();
    expect((await alice.request('presence.get', { room: 'X' })).result).toMatchObject({ members: ['alice'] });
    expect((await bob.request('presence.get', { room: 'X:users' })).result).toMatchObject({ members: ['bob'] });
    expect((await alice.request('rooms.publish', { room: 'X', event: 'still works' })).result).toBeDefined();
  });

  it('gives a call id no way to reach another user\'s stored reply', async () => {
    const s = await start();
    const acmeAlice = await s.as('acme:alice');
    acmeAlice.send({ jsonrpc: '2.0', id: 'c1', method: 'orders.create', params: { sku: 'secret-of-acme-alice', qty: 1 } });
    await until(() => acmeAlice.frames.some((f) => f.id === 'c1'));
    const acme = await s.as('acme');
    acme.send({ jsonrpc: '2.0', id: 'alice:c1', method: 'orders.create', params: { sku: 'mine', qty: 2 } });
    await until(() => acme.frames.some((f) => f.id === 'alice:c1'));
    const answer = acme.frames.find((f) => f.id === 'alice:c1')!;
    expect(answer.result).toMatchObject({ sku: 'mine', user: 'acme' });
  });

  it('admits a room token only with an exp, like connection tokens', async () => {
    const s = await start({ PUBLIC_ROOMS: '*' });
    const alice = await s.as('alice');
    const forever = await sign({ sub: 'alice', room: '$private' }, null);
    expect((await alice.request('rooms.join', { room: '$private', token: forever })).error?.code).toBe(-32002);
    expect(await tokenFor('alice')).toBeTruthy();
  });
}

describe('room attacks, on the memory broker', () => roomAttacks('memory'));
await describeWithRedis('room attacks, on the Redis broker', () => roomAttacks('redis'));
