import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/protocol/codes.ts';
import { createRoomTokenVerifier, createVerifier, expiresInMs, signDevRoomToken, signDevToken, type VerifierOptions } from './auth.ts';

const SECRET = 'test-secret-that-is-at-least-32-chars!';
const ISS = 'https://id.example';
const AUD = 'tether';
const key = (s: string) => new TextEncoder().encode(s);
const now = () => Math.floor(Date.now() / 1000);
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

/** A signed token with the given claims; `sub` and a one-hour `exp` unless overridden. */
function hs(claims: JWTPayload = {}, alg = 'HS256', secret = SECRET): Promise<string> {
  return new SignJWT({ sub: '42', exp: now() + 3600, ...claims }).setProtectedHeader({ alg }).sign(key(secret));
}

describe('createVerifier with an HS256 secret', () => {
  const verify = createVerifier({ secret: SECRET });

  it('accepts a valid token and returns its sub, exp and claims', async () => {
    const exp = now() + 600;
    expect(await verify(await hs({ exp, rooms: ['game_*'] }))).toEqual({ ok: true, user: '42', exp, claims: { sub: '42', exp, rooms: ['game_*'] } });
  });

  it('refuses a token without exp by default (a leaked one would work forever)', async () => {
    const token = await new SignJWT({ sub: 'u1' }).setProtectedHeader({ alg: 'HS256' }).sign(key(SECRET));
    expect(await verify(token)).toEqual({ ok: false, code: ErrorCode.Unauthenticated, kind: 'no-exp', reason: 'token has no exp claim' });
  });

  it('accepts a token without exp only with allowNoExp', async () => {
    const lenient = createVerifier({ secret: SECRET, allowNoExp: true });
    const token = await new SignJWT({ sub: 'u1' }).setProtectedHeader({ alg: 'HS256' }).sign(key(SECRET));
    expect(await lenient(token)).toEqual({ ok: true, user: 'u1', claims: { sub: 'u1' } });
  });

  it('refuses an exp that is not a number', async () => {
    expect(await verify(await hs({ exp: 'tomorrow' as unknown as number }))).toMatchObject({ ok: false, kind: 'invalid-claim' });
  });

  it('accepts the development tokens it signs', async () => {
    const v = await verify(await signDevToken(SECRET, 'dev-user', 60));
    expect(v).toMatchObject({ ok: true, user: 'dev-user' });
    expect(v.ok && v.exp).toBeGreaterThanOrEqual(now() + 59);
  });

  it('refuses an expired token with TokenExpired', async () => {
    expect(await verify(await hs({ exp: now() - 60 }))).toEqual({ ok: false, code: ErrorCode.TokenExpired, kind: 'expired', reason: 'token expired' });
  });

  it('tolerates a little clock skew on exp', async () => {
    expect(await verify(await hs({ exp: now() - 2 }))).toMatchObject({ ok: true });
    const strict = createVerifier({ secret: SECRET, clockToleranceSec: 0 });
    expect(await strict(await hs({ exp: now() - 2 }))).toMatchObject({ ok: false, code: ErrorCode.TokenExpired });
  });

  it('refuses a token signed with another secret', async () => {
    expect(await verify(await hs({}, 'HS256', 'another-secret-of-at-least-32-chars!!'))).toEqual({
      ok: false,
      code: ErrorCode.Unauthenticated,
      kind: 'bad-signature',
      reason: 'bad token signature',
    });
  });

  it('refuses a token whose payload was altered after signing', async () => {
    const [h, , s] = (await hs()).split('.');
    const forged = `${h}.${b64({ sub: 'admin', exp: now() + 3600 })}.${s}`;
    expect(await verify(forged)).toMatchObject({ ok: false, reason: 'bad token signature' });
  });

  it('refuses an unsigned alg:none token', async () => {
    const none = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: '42', exp: now() + 3600 })}.`;
    expect(await verify(none)).toEqual({ ok: false, code: ErrorCode.Unauthenticated, kind: 'algorithm-not-allowed', reason: 'token algorithm not allowed' });
  });

  it('refuses an algorithm other than HS256, even with the right secret', async () => {
    expect(await verify(await hs({}, 'HS512'))).toMatchObject({ ok: false, reason: 'token algorithm not allowed' });
  });

  it.each([
    ['an empty string', ''],
    ['undefined', undefined],
    ['null', null],
    ['a number', 42],
  ])('classifies %s as no-token (the core closes 4001)', async (_name, token) => {
    expect(await verify(token as unknown as string)).toEqual({ ok: false, code: ErrorCode.Unauthenticated, kind: 'no-token', reason: 'no token' });
  });

  it.each([
    ['a word', 'not-a-jwt'],
    ['three garbage parts', 'a.b.c'],
    ['a JSON header with a non-JSON payload', `${b64({ alg: 'HS256' })}.${Buffer.from('nope').toString('base64url')}.x`],
  ])('refuses %s as malformed, without throwing', async (_name, token) => {
    const v = await verify(token);
    expect(v).toMatchObject({ ok: false, code: ErrorCode.Unauthenticated });
    expect(v.ok || v.kind).toMatch(/^(malformed|bad-signature)$/);
  });

  it('refuses a payload that is not a JSON object as malformed', async () => {
    // Signed correctly, so only the payload's shape is wrong.
    const { CompactSign } = await import('jose');
    const token = await new CompactSign(key('[1,2]')).setProtectedHeader({ alg: 'HS256' }).sign(key(SECRET));
    expect(await verify(token)).toEqual({ ok: false, code: ErrorCode.Unauthenticated, kind: 'malformed', reason: 'malformed token (not a JWT)' });
  });

  it('refuses a token too long to be real', async () => {
    expect(await verify('a'.repeat(20_000))).toMatchObject({ ok: false, kind: 'too-long', reason: 'token too long' });
  });

  it('refuses a token without sub', async () => {
    expect(await verify(await hs({ sub: undefined }))).toMatchObject({ ok: false, kind: 'bad-subject', reason: 'token has no sub claim (the user id)' });
  });

  it('refuses a sub longer than 256 bytes, counting UTF-8 bytes, not characters', async () => {
    expect(await verify(await hs({ sub: 'a'.repeat(256) }))).toMatchObject({ ok: true });
    expect(await verify(await hs({ sub: 'a'.repeat(257) }))).toMatchObject({ ok: false, kind: 'bad-subject', reason: 'token sub is longer than 256 bytes' });
    // 86 three-byte characters: 86 UTF-16 units, 258 bytes.
    expect(await verify(await hs({ sub: '€'.repeat(86) }))).toMatchObject({ ok: false, kind: 'bad-subject' });
  });

  it('refuses a sub with control characters (NUL separates fields in presence entries)', async () => {
    expect(await verify(await hs({ sub: 'alice\u0000conn' }))).toMatchObject({ ok: false, kind: 'bad-subject', reason: 'token sub contains control characters' });
    expect(await verify(await hs({ sub: 'bob\nadmin' }))).toMatchObject({ ok: false, kind: 'bad-subject' });
  });

  it('refuses a room token offered as a connection token (cross-JWT confusion)', async () => {
    expect(await verify(await hs({ room: '$secret' }))).toEqual({
      ok: false,
      code: ErrorCode.Unauthenticated,
      kind: 'wrong-token-type',
      reason: 'a room token cannot authenticate a connection',
    });
    expect(await verify(await hs({ channel: '$secret' }))).toMatchObject({ ok: false, kind: 'wrong-token-type' });
  });

  it('refuses a numeric or empty sub', async () => {
    // jose's setSubject only takes strings; sign the raw claims to get a numeric sub.
    const numeric = await new SignJWT({ sub: 42, exp: now() + 60 } as unknown as JWTPayload).setProtectedHeader({ alg: 'HS256' }).sign(key(SECRET));
    expect(await verify(numeric)).toMatchObject({ ok: false, kind: 'bad-subject', reason: 'token sub must be a string, got number' });
    expect(await verify(await hs({ sub: '' }))).toMatchObject({ ok: false, reason: 'token sub is empty' });
  });

  it('checks issuer and audience when configured', async () => {
    const strict = createVerifier({ secret: SECRET, issuer: 'https://id.example', audience: 'tether' });
    expect(await strict(await hs({ iss: 'https://id.example', aud: ['other', 'tether'] }))).toMatchObject({ ok: true });
    expect(await strict(await hs({ iss: 'https://evil.example', aud: 'tether' }))).toMatchObject({ ok: false, kind: 'wrong-issuer', reason: 'wrong token issuer' });
    expect(await strict(await hs({ aud: 'tether' }))).toMatchObject({ ok: false, kind: 'wrong-issuer', reason: 'token has no iss claim' });
    expect(await strict(await hs({ iss: 'https://id.example', aud: 'other' }))).toMatchObject({ ok: false, kind: 'wrong-audience', reason: 'wrong token audience' });
    expect(await strict(await hs({ iss: 'https://id.example' }))).toMatchObject({ ok: false, kind: 'wrong-audience', reason: 'token has no aud claim' });
  });

  it('refuses a token that is not valid yet', async () => {
    expect(await verify(await hs({ nbf: now() + 600 }))).toMatchObject({
      ok: false,
      code: ErrorCode.Unauthenticated,
      kind: 'not-yet-valid',
      reason: 'token not valid yet (nbf)',
    });
  });
});

describe('createVerifier with a JWKS', () => {
  let server: Server;
  let url: string;
  let fetches = 0;
  const keys: JWK[] = [];
  const signers: Record<string, { alg: string; kid: string; privateKey: CryptoKey }> = {};

  beforeAll(async () => {
    for (const alg of ['RS256', 'ES256', 'EdDSA']) {
      const pair = await generateKeyPair(alg);
      const kid = `kid-${alg}`;
      keys.push({ ...(await exportJWK(pair.publicKey)), kid, alg, use: 'sig' });
      signers[alg] = { alg, kid, privateKey: pair.privateKey };
    }
    server = createServer((req, res) => {
      fetches++;
      if (req.url !== '/.well-known/jwks.json') return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const sign = (alg: string, claims: JWTPayload = {}, kid = signers[alg]!.kid) =>
    new SignJWT({ sub: 'user-7', exp: now() + 600, iss: ISS, aud: AUD, ...claims }).setProtectedHeader({ alg, kid }).sign(signers[alg]!.privateKey);
  /** A JWKS verifier for this gateway's issuer and audience, as configuration requires. */
  const jwks = (over: Partial<VerifierOptions> = {}) => createVerifier({ jwksUrl: url, issuer: ISS, audience: AUD, ...over });

  it.each(['RS256', 'ES256', 'EdDSA'])('accepts a valid %s token, fetching the keys once', async (alg) => {
    const verify = jwks();
    const before = fetches;
    expect(await verify(await sign(alg))).toMatchObject({ ok: true, user: 'user-7' });
    expect(await verify(await sign(alg))).toMatchObject({ ok: true, user: 'user-7' });
    expect(fetches - before).toBe(1);
  });

  it('refuses a token whose kid is not in the set', async () => {
    const verify = jwks();
    expect(await verify(await sign('ES256', {}, 'kid-unknown'))).toEqual({
      ok: false,
      code: ErrorCode.Unauthenticated,
      kind: 'unknown-key',
      reason: 'token signed with an unknown key (kid)',
    });
  });

  it('refuses an HS256 token, even one keyed with a public key', async () => {
    // The classic algorithm-confusion attack: HMAC with the published key as the secret.
    const verify = jwks();
    const forged = await hs({}, 'HS256', JSON.stringify(keys[0]));
    expect(await verify(forged)).toMatchObject({ ok: false, kind: 'algorithm-not-allowed', reason: 'token algorithm not allowed' });
  });

  it('refuses an expired token with TokenExpired', async () => {
    const verify = jwks();
    expect(await verify(await sign('RS256', { exp: now() - 60 }))).toMatchObject({ ok: false, code: ErrorCode.TokenExpired });
  });

  it('answers -32005 (try later), without throwing, when the JWKS cannot be fetched', async () => {
    const verify = createVerifier({ jwksUrl: url.replace('jwks.json', 'missing.json'), issuer: ISS, audience: AUD });
    expect(await verify(await sign('ES256'))).toEqual({ ok: false, code: ErrorCode.Unavailable, kind: 'keys-unavailable', reason: 'could not fetch the signing keys' });
  });

  it('verifies room tokens with the same keys and the same algorithm pinning', async () => {
    const verifyRoom = createRoomTokenVerifier({ jwksUrl: url, issuer: ISS, audience: AUD });
    const expected = { user: 'user-7', room: '$ops' };
    expect(await verifyRoom(await sign('EdDSA', { room: '$ops' }), expected)).toMatchObject({ ok: true });
    expect(await verifyRoom(await hs({ sub: 'user-7', room: '$ops', iss: ISS, aud: AUD }, 'HS256', JSON.stringify(keys[0])), expected)).toMatchObject({
      ok: false,
      kind: 'algorithm-not-allowed',
    });
  });

  it("refuses a token the identity provider minted for another application (another aud)", async () => {
    expect(await jwks()(await sign('ES256', { aud: 'billing' }))).toMatchObject({ ok: false, kind: 'wrong-audience' });
  });

  it('refuses a token from another tenant of the same JWKS (another iss)', async () => {
    expect(await jwks()(await sign('ES256', { iss: 'https://id.example/tenant-b' }))).toMatchObject({ ok: false, kind: 'wrong-issuer' });
  });

  it('accepts any audience and issuer only when both checks are switched off on purpose', async () => {
    const open = jwks({ issuer: undefined, audience: undefined, audienceCheck: false, issuerCheck: false });
    expect(await open(await sign('ES256', { aud: 'billing', iss: 'elsewhere' }))).toMatchObject({ ok: true, user: 'user-7' });
  });
});

describe('createRoomTokenVerifier', () => {
  const verifyRoom = createRoomTokenVerifier({ secret: SECRET });
  const alice = { user: 'alice', room: '$board' };

  it('admits the user named in sub to the room named in room, and returns exp and claims', async () => {
    const token = await signDevRoomToken(SECRET, 'alice', '$board', 60);
    const v = await verifyRoom(token, alice);
    expect(v).toMatchObject({ ok: true, claims: { sub: 'alice', room: '$board' } });
    expect(v.ok && v.exp).toBeGreaterThanOrEqual(now() + 59);
  });

  it("takes Centrifugo's channel claim for the room", async () => {
    expect(await verifyRoom(await hs({ sub: 'alice', channel: '$board' }), alice)).toMatchObject({ ok: true });
  });

  it("refuses another user's room token (a token forwarded or stolen from a teammate)", async () => {
    const bobs = await signDevRoomToken(SECRET, 'bob', '$board');
    expect(await verifyRoom(bobs, alice)).toEqual({ ok: false, code: ErrorCode.Unauthenticated, kind: 'wrong-user', reason: 'room token is for another user' });
  });

  it('refuses a room token for another room', async () => {
    const other = await signDevRoomToken(SECRET, 'alice', '$lobby');
    expect(await verifyRoom(other, alice)).toMatchObject({ ok: false, kind: 'wrong-room', reason: 'room token is for another room' });
  });

  it('refuses a token naming two different rooms in room and channel', async () => {
    expect(await verifyRoom(await hs({ sub: 'alice', room: '$board', channel: '$other' }), alice)).toMatchObject({ ok: false, kind: 'wrong-room' });
  });

  it('refuses a connection token offered as a room token', async () => {
    expect(await verifyRoom(await signDevToken(SECRET, 'alice'), alice)).toMatchObject({ ok: false, kind: 'wrong-token-type' });
  });

  it('requires exp on room tokens, even where connection tokens may go without', async () => {
    const lenient = createRoomTokenVerifier({ secret: SECRET, allowNoExp: true });
    const forever = await new SignJWT({ sub: 'alice', room: '$board' }).setProtectedHeader({ alg: 'HS256' }).sign(key(SECRET));
    expect(await lenient(forever, alice)).toMatchObject({ ok: false, kind: 'no-exp' });
  });

  it('refuses an expired, forged or unsigned room token', async () => {
    expect(await verifyRoom(await hs({ sub: 'alice', room: '$board', exp: now() - 60 }), alice)).toMatchObject({ ok: false, kind: 'expired' });
    expect(await verifyRoom(await hs({ sub: 'alice', room: '$board' }, 'HS256', 'another-secret-of-at-least-32-chars!!'), alice)).toMatchObject({
      ok: false,
      kind: 'bad-signature',
    });
    const none = `${b64({ alg: 'none' })}.${b64({ sub: 'alice', room: '$board', exp: now() + 60 })}.`;
    expect(await verifyRoom(none, alice)).toMatchObject({ ok: false, kind: 'algorithm-not-allowed' });
    expect(await verifyRoom('', alice)).toMatchObject({ ok: false, kind: 'no-token' });
  });

  it('checks issuer and audience like connection tokens', async () => {
    const strict = createRoomTokenVerifier({ secret: SECRET, issuer: ISS, audience: AUD });
    expect(await strict(await hs({ sub: 'alice', room: '$board', iss: ISS, aud: AUD }), alice)).toMatchObject({ ok: true });
    expect(await strict(await hs({ sub: 'alice', room: '$board', iss: ISS, aud: 'billing' }), alice)).toMatchObject({ ok: false, kind: 'wrong-audience' });
  });
});

describe('createVerifier options', () => {
  it('throws at creation unless exactly one of secret and jwksUrl is given', () => {
    expect(() => createVerifier({})).toThrow(/exactly one of `secret`/);
    expect(() => createVerifier({ secret: SECRET, jwksUrl: 'https://id.example/jwks' })).toThrow(/exactly one/);
    expect(() => createVerifier({ secret: '' })).toThrow(/empty/);
    expect(() => createVerifier({ jwksUrl: 'not a url' })).toThrow(/not a URL/);
    expect(() => createVerifier({ jwksUrl: 'file:///etc/keys.json' })).toThrow(/http\(s\)/);
  });

  it('refuses to build a JWKS verifier without an audience, unless the check is off', () => {
    const jwksUrl = 'https://id.example/jwks';
    expect(() => createVerifier({ jwksUrl, issuer: 'https://id.example' })).toThrow('createVerifier: `audience` is required with `jwksUrl` (or set `audienceCheck: false`)');
    expect(() => createVerifier({ jwksUrl, issuer: 'https://id.example', audienceCheck: false })).not.toThrow();
  });

  it('refuses to build a JWKS verifier without an issuer, unless the check is off', () => {
    const jwksUrl = 'https://id.example/jwks';
    expect(() => createVerifier({ jwksUrl, audience: 'tether' })).toThrow('createVerifier: `issuer` is required with `jwksUrl` (or set `issuerCheck: false`)');
    expect(() => createVerifier({ jwksUrl, audience: 'tether', issuerCheck: false })).not.toThrow();
  });

  it('refuses contradictory options: an audience with its check off', () => {
    expect(() => createVerifier({ secret: SECRET, audience: 'tether', audienceCheck: false })).toThrow(/`audience` is set but `audienceCheck` is false/);
    expect(() => createVerifier({ secret: SECRET, issuer: 'x', issuerCheck: false })).toThrow(/`issuer` is set but `issuerCheck` is false/);
  });
});

describe('expiresInMs', () => {
  it('counts down to exp, stops at zero, and is undefined without exp', () => {
    expect(expiresInMs(1_000, 990_000)).toBe(10_000);
    expect(expiresInMs(1_000, 2_000_000)).toBe(0);
    expect(expiresInMs(undefined, 0)).toBeUndefined();
  });
});
