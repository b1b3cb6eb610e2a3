import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { JWTPayload } from 'jose';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createRoomTokenVerifier, signDevRoomToken } from './auth.ts';
import { createRoomPolicy, type RoomPolicyOptions, type RoomRequest } from './room-policy.ts';

const SECRET = 'room-policy-test-secret-of-32-chars!';
const verifyRoomToken = createRoomTokenVerifier({ secret: SECRET });
/** The production default: nothing configured but room tokens. */
const secure = createRoomPolicy({ verifyRoomToken });
/** What `npm start` configures: ordinary rooms open. */
const dev = createRoomPolicy({ verifyRoomToken, publicRooms: ['*'] });

const join = (user: string, room: string, over: Partial<RoomRequest> = {}): RoomRequest => ({ user, room, action: 'join', claims: { sub: user }, member: false, ...over });
const asMember = (user: string, room: string, action: 'publish' | 'presence', over: Partial<RoomRequest> = {}): RoomRequest => ({
  ...join(user, room),
  action,
  member: true,
  ...over,
});

describe("Centrifugo's user-limited rooms (always enforced)", () => {
  it('refuses a stranger joining dialog#alice,bob', async () => {
    expect(await secure(join('mallory', 'dialog#alice,bob'))).toEqual({ allow: false, rule: 'user-limited', reason: 'dialog#alice,bob is limited to other users' });
  });

  it('refuses a stranger even where every room is public (development)', async () => {
    expect(await dev(join('mallory', 'dialog#alice,bob'))).toMatchObject({ allow: false, rule: 'user-limited' });
  });

  it('refuses a stranger even when the application hook says yes', async () => {
    const lax = createRoomPolicy({ authorizeRoom: () => true });
    expect(await lax(join('mallory', 'dialog#alice,bob'))).toMatchObject({ allow: false, rule: 'user-limited' });
  });

  it('admits each listed user, with no other rule configured', async () => {
    expect(await secure(join('alice', 'dialog#alice,bob'))).toEqual({ allow: true, rule: 'user-limited' });
    expect(await secure(join('bob', 'dialog#alice,bob'))).toEqual({ allow: true, rule: 'user-limited' });
  });

  it('reads the users after the last #, as Centrifugo does', async () => {
    expect(await secure(join('bob', 'team#bob#alice'))).toMatchObject({ allow: false });
    expect(await secure(join('alice', 'team#bob#alice'))).toMatchObject({ allow: true });
  });

  it('does not let a user named like a list entry prefix in (alice vs alice2)', async () => {
    expect(await secure(join('alice2', 'dialog#alice,bob'))).toMatchObject({ allow: false });
    expect(await secure(join('alice,bob', 'dialog#alice,bob'))).toMatchObject({ allow: false });
  });

  it('admits nobody to a room with an empty list', async () => {
    expect(await dev(join('alice', 'void#'))).toMatchObject({ allow: false, rule: 'user-limited' });
  });

  it("refuses a stranger's presence and publish, even if somehow a member", async () => {
    expect(await dev(asMember('mallory', 'dialog#alice,bob', 'presence'))).toMatchObject({ allow: false, rule: 'user-limited' });
    expect(await dev(asMember('mallory', 'dialog#alice,bob', 'publish'))).toMatchObject({ allow: false, rule: 'user-limited' });
  });
});

describe("Centrifugo's private $ rooms (always enforced)", () => {
  it('refuses joining $board without a room token, even where every room is public', async () => {
    expect(await dev(join('alice', '$board'))).toEqual({ allow: false, rule: 'room-token', reason: '$board needs a room token' });
    expect(await dev(join('alice', '$board', { roomToken: '' }))).toMatchObject({ allow: false, rule: 'room-token' });
  });

  it('refuses joining $board through a rooms claim that matches it: only a room token admits', async () => {
    expect(await secure(join('alice', '$board', { claims: { sub: 'alice', rooms: ['*', '$board'] } }))).toMatchObject({ allow: false, rule: 'room-token' });
  });

  it("admits alice to $board with alice's room token", async () => {
    const roomToken = await signDevRoomToken(SECRET, 'alice', '$board');
    expect(await secure(join('alice', '$board', { roomToken }))).toEqual({ allow: true, rule: 'room-token' });
  });

  it("refuses mallory joining $board with alice's room token", async () => {
    const roomToken = await signDevRoomToken(SECRET, 'alice', '$board');
    expect(await secure(join('mallory', '$board', { roomToken }))).toEqual({
      allow: false,
      rule: 'room-token',
      reason: 'room token refused: room token is for another user',
    });
  });

  it('refuses a room token for another room', async () => {
    const roomToken = await signDevRoomToken(SECRET, 'alice', '$lobby');
    expect(await secure(join('alice', '$board', { roomToken }))).toMatchObject({ allow: false, reason: 'room token refused: room token is for another room' });
  });

  it('refuses an expired room token', async () => {
    const roomToken = await signDevRoomToken(SECRET, 'alice', '$board', -60);
    expect(await secure(join('alice', '$board', { roomToken }))).toMatchObject({ allow: false, reason: 'room token refused: token expired' });
  });

  it('refuses a room token signed with another key', async () => {
    const roomToken = await signDevRoomToken('not-the-gateway-secret-but-32-chars!', 'alice', '$board');
    expect(await secure(join('alice', '$board', { roomToken }))).toMatchObject({ allow: false, reason: 'room token refused: bad token signature' });
  });

  it('refuses every $ room when no room-token verifier is configured', async () => {
    const roomToken = await signDevRoomToken(SECRET, 'alice', '$board');
    const noVerifier = createRoomPolicy({ publicRooms: ['*'] });
    expect(await noVerifier(join('alice', '$board', { roomToken }))).toEqual({
      allow: false,
      rule: 'room-token',
      reason: 'room tokens are not accepted by this gateway',
    });
  });

  it('still applies the user list of a $ room to a token holder', async () => {
    // A backend minting a token for the wrong person must not widen a user-limited room.
    const roomToken = await signDevRoomToken(SECRET, 'mallory', '$dm#alice,bob');
    expect(await secure(join('mallory', '$dm#alice,bob', { roomToken }))).toMatchObject({ allow: false, rule: 'user-limited' });
    const alices = await signDevRoomToken(SECRET, 'alice', '$dm#alice,bob');
    expect(await secure(join('alice', '$dm#alice,bob', { roomToken: alices }))).toMatchObject({ allow: true, rule: 'room-token' });
    expect(await secure(join('alice', '$dm#alice,bob'))).toMatchObject({ allow: false, rule: 'room-token' });
  });

  it('lets a member publish to and see the presence of a $ room joined with a token', async () => {
    expect(await secure(asMember('alice', '$board', 'publish'))).toEqual({ allow: true, rule: 'default' });
    expect(await secure(asMember('alice', '$board', 'presence'))).toEqual({ allow: true, rule: 'default' });
  });
});

describe('room tokens on ordinary rooms', () => {
  it('admits with a valid token, as Centrifugo does, where no rule would', async () => {
    const roomToken = await signDevRoomToken(SECRET, 'alice', 'match_7');
    expect(await secure(join('alice', 'match_7', { roomToken }))).toEqual({ allow: true, rule: 'room-token' });
  });

  it('refuses with an invalid one, even where the room is public', async () => {
    const roomToken = await signDevRoomToken(SECRET, 'bob', 'match_7');
    expect(await dev(join('alice', 'match_7', { roomToken }))).toMatchObject({ allow: false, rule: 'room-token' });
  });
});

describe('the secure default', () => {
  it('refuses joining a room no rule admits', async () => {
    expect(await secure(join('alice', 'game_1'))).toEqual({ allow: false, rule: 'default', reason: 'no rule admits this user to game_1' });
  });

  it('opens ordinary rooms with publicRooms ["*"], the development configuration', async () => {
    expect(await dev(join('alice', 'game_1'))).toEqual({ allow: true, rule: 'public' });
  });
});

describe('membership gates', () => {
  it("refuses publishing to a room the connection has not joined (another user's room)", async () => {
    expect(await dev({ ...join('mallory', 'game_1'), action: 'publish' })).toEqual({ allow: false, rule: 'membership', reason: 'not a member of game_1' });
  });

  it('refuses reading the presence of a room the connection has not joined', async () => {
    expect(await dev({ ...join('mallory', 'game_1'), action: 'presence' })).toMatchObject({ allow: false, rule: 'membership' });
  });

  it('lets members publish by default', async () => {
    expect(await dev(asMember('alice', 'game_1', 'publish'))).toEqual({ allow: true, rule: 'default' });
  });

  it("refuses every client publish with publish 'none', even a member's", async () => {
    const backendOnly = createRoomPolicy({ publicRooms: ['*'], publish: 'none' });
    expect(await backendOnly(asMember('alice', 'game_1', 'publish'))).toEqual({
      allow: false,
      rule: 'publish-mode',
      reason: 'clients may not publish to rooms on this gateway',
    });
    expect(await backendOnly(asMember('alice', 'game_1', 'presence'))).toMatchObject({ allow: true });
  });
});

describe('the rooms claim', () => {
  const claims = (rooms: unknown): JWTPayload => ({ sub: 'alice', rooms });

  it('admits the rooms it names, exactly or by glob', async () => {
    const c = claims(['lobby', 'game_*']);
    expect(await secure(join('alice', 'lobby', { claims: c }))).toEqual({ allow: true, rule: 'claim' });
    expect(await secure(join('alice', 'game_42', { claims: c }))).toEqual({ allow: true, rule: 'claim' });
  });

  it('admits nothing it does not name', async () => {
    const c = claims(['lobby', 'game_*']);
    expect(await secure(join('alice', 'lobby2', { claims: c }))).toMatchObject({ allow: false, rule: 'default' });
    expect(await secure(join('alice', 'admin', { claims: c }))).toMatchObject({ allow: false });
  });

  it('ignores a malformed claim instead of trusting it', async () => {
    for (const rooms of ['*', { '*': true }, [42, null], 7]) {
      expect(await secure(join('alice', 'game_1', { claims: claims(rooms) }))).toMatchObject({ allow: false, rule: 'default' });
    }
  });

  it('is ignored when the claim rule is left out of rules', async () => {
    const noClaim = createRoomPolicy({ rules: ['public', 'hook', 'proxy'] });
    expect(await noClaim(join('alice', 'lobby', { claims: claims(['lobby']) }))).toMatchObject({ allow: false, rule: 'default' });
  });
});

describe('public rooms', () => {
  const policy = createRoomPolicy({ publicRooms: ['lobby', 'news_*'] });

  it('admits anyone to the rooms they match, and nobody to the others', async () => {
    expect(await policy(join('anyone', 'news_sports'))).toEqual({ allow: true, rule: 'public' });
    expect(await policy(join('anyone', 'lobby'))).toEqual({ allow: true, rule: 'public' });
    expect(await policy(join('anyone', 'staff'))).toMatchObject({ allow: false });
  });

  it.each([
    ['$*', /names \$ rooms/],
    ['dm#*', /names # rooms/],
    ['', /is empty/],
  ])('refuses the pattern %j at creation, since it could never apply', (pattern, message) => {
    expect(() => createRoomPolicy({ publicRooms: [pattern] })).toThrow(message);
  });
});

describe('the authorizeRoom hook', () => {
  it('gets the user, room, action and the token claims', async () => {
    const hook = vi.fn(() => true);
    const policy = createRoomPolicy({ authorizeRoom: hook });
    const claims = { sub: 'alice', tier: 'gold' };
    expect(await policy(join('alice', 'vip', { claims }))).toEqual({ allow: true, rule: 'hook' });
    expect(hook).toHaveBeenCalledWith('alice', 'vip', 'join', claims);
  });

  it('refuses with false, or with its own reason', async () => {
    expect(await createRoomPolicy({ authorizeRoom: () => false })(join('a', 'r'))).toEqual({ allow: false, rule: 'hook', reason: 'refused by the application' });
    const full = createRoomPolicy({ authorizeRoom: () => ({ allow: false, reason: 'room is full' }) });
    expect(await full(join('a', 'r'))).toEqual({ allow: false, rule: 'hook', reason: 'room is full' });
  });

  it('leaves the decision to the next rule with undefined', async () => {
    const policy = createRoomPolicy({ authorizeRoom: () => undefined, publicRooms: ['r'], rules: ['hook', 'public'] });
    expect(await policy(join('a', 'r'))).toEqual({ allow: true, rule: 'public' });
  });

  it('refuses when the hook throws (fail closed), and says so in the log', async () => {
    const warn = vi.fn();
    const policy = createRoomPolicy({ authorizeRoom: () => Promise.reject(new Error('db down')), publicRooms: ['*'], rules: ['hook', 'public'], logger: { warn } });
    expect(await policy(join('a', 'r'))).toEqual({ allow: false, rule: 'hook', reason: 'room authorization failed' });
    expect(warn).toHaveBeenCalledOnce();
  });

  it('can forbid publishing in a room anyone may join (a read-only announcements room)', async () => {
    const policy = createRoomPolicy({ publicRooms: ['*'], authorizeRoom: (_u, room, action) => (room === 'announcements' && action === 'publish' ? false : undefined) });
    expect(await policy(join('alice', 'announcements'))).toMatchObject({ allow: true });
    expect(await policy(asMember('alice', 'announcements', 'publish'))).toMatchObject({ allow: false, rule: 'hook' });
    expect(await policy(asMember('alice', 'chat', 'publish'))).toMatchObject({ allow: true });
  });
});

describe('rule order', () => {
  it('lets the first definite answer win', async () => {
    const hookFirst = createRoomPolicy({ publicRooms: ['*'], authorizeRoom: () => false, rules: ['hook', 'public'] });
    const publicFirst = createRoomPolicy({ publicRooms: ['*'], authorizeRoom: () => false, rules: ['public', 'hook'] });
    expect(await hookFirst(join('a', 'r'))).toMatchObject({ allow: false, rule: 'hook' });
    expect(await publicFirst(join('a', 'r'))).toMatchObject({ allow: true, rule: 'public' });
  });

  it('refuses unknown or repeated rule names at creation', () => {
    expect(() => createRoomPolicy({ rules: ['public', 'public'] })).toThrow(/listed twice/);
    expect(() => createRoomPolicy({ rules: ['everyone'] as unknown as RoomPolicyOptions['rules'] })).toThrow(/unknown rule "everyone"/);
  });
});

describe('the room proxy rule', () => {
  let server: Server;
  let url: string;
  const seen: Array<{ user: string; channel: string; meta: { action: string } }> = [];
  let decide: (body: { user: string; channel: string; meta: { action: string } }, res: ServerResponse) => void;

  beforeAll(async () => {
    server = createServer((req, res) => {
      let raw = '';
      req.on('data', (c: Buffer) => (raw += c.toString()));
      req.on('end', () => {
        const body = JSON.parse(raw) as (typeof seen)[number];
        seen.push(body);
        decide(body, res);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/subscribe`;
  });
  afterAll(() => {
    server.closeAllConnections();
    return new Promise<void>((r) => server.close(() => r()));
  });
  const answer = (res: ServerResponse, body: unknown, status = 200) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));

  it('admits what the application admits and refuses what it refuses', async () => {
    decide = (b, res) => answer(res, b.channel.startsWith('team_') && b.user === 'alice' ? { result: {} } : { error: { code: 103, message: 'permission denied' } });
    const policy = createRoomPolicy({ proxy: { url } });
    expect(await policy(join('alice', 'team_1'))).toEqual({ allow: true, rule: 'proxy' });
    expect(await policy(join('bob', 'team_1'))).toEqual({ allow: false, rule: 'proxy', reason: 'refused by the application: permission denied (code 103)' });
  });

  it('is not asked about $ and # rooms, which Centrifugo does not proxy either', async () => {
    seen.length = 0;
    decide = (_b, res) => answer(res, { result: {} });
    const policy = createRoomPolicy({ proxy: { url } });
    await policy(join('alice', '$board'));
    await policy(join('alice', 'dm#alice,bob'));
    expect(seen).toHaveLength(0);
  });

  it('is asked about publish with the action, and can refuse it', async () => {
    seen.length = 0;
    decide = (b, res) => answer(res, b.meta.action === 'publish' ? { error: { code: 103, message: 'read only' } } : { result: {} });
    const policy = createRoomPolicy({ proxy: { url } });
    expect(await policy(asMember('alice', 'feed', 'publish'))).toMatchObject({ allow: false, rule: 'proxy' });
    expect(seen.map((b) => b.meta.action)).toEqual(['publish']);
  });

  it('refuses, with a reason that says so, when the application times out', async () => {
    const warn = vi.fn();
    decide = () => {};
    const policy = createRoomPolicy({ proxy: { url, timeoutMs: 50 }, logger: { warn } });
    expect(await policy(join('alice', 'slow'))).toEqual({ allow: false, rule: 'proxy', reason: 'room proxy did not answer within 50 ms' });
    expect(warn).toHaveBeenCalledOnce();
  });

  it('passes a disconnect request on to the core', async () => {
    decide = (_b, res) => answer(res, { disconnect: { code: 4403, reason: 'banned' } });
    const policy = createRoomPolicy({ proxy: { url } });
    expect(await policy(join('mallory', 'anything'))).toEqual({
      allow: false,
      rule: 'proxy',
      reason: 'refused by the application: banned',
      disconnect: { code: 4403, reason: 'banned' },
    });
  });
});
