import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/protocol/codes.ts';
import { createVerifier, expiresInMs, signDevToken } from './auth.ts';

const SECRET = 'test-secret-that-is-at-least-32-chars!';
const key = (s: string) => new TextEncoder().encode(s);
const now = () => Math.floor(Date.now() / 1000);
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

/** A signed token with the given claims; `sub` and a one-hour `exp` unless overridden. */
function hs(claims: JWTPayload = {}, alg = 'HS256', secret = SECRET): Promise<string> {
  return new SignJWT({ sub: '42', exp: now() + 3600, ...claims }).setProtectedHeader({ alg }).sign(key(secret));
}

describe('createVerifier with an HS256 secret', () => {
  const verify = createVerifier({ secret: SECRET });

  it('accepts a valid token and returns its sub and exp', async () => {
    const exp = now() + 600;
    expect(await verify(await hs({ exp }))).toEqual({ ok: true, user: '42', exp });
  });

  it('accepts a token without exp', async () => {
    const token = await new SignJWT({ sub: 'u1' }).setProtectedHeader({ alg: 'HS256' }).sign(key(SECRET));
    expect(await verify(token)).toEqual({ ok: true, user: 'u1' });
  });

  it('accepts the development tokens it signs', async () => {
    const v = await verify(await signDevToken(SECRET, 'dev-user', 60));
    expect(v).toMatchObject({ ok: true, user: 'dev-user' });
    expect(v.ok && v.exp).toBeGreaterThanOrEqual(now() + 59);
  });

  it('refuses an expired token with TokenExpired', async () => {
    expect(await verify(await hs({ exp: now() - 60 }))).toEqual({ ok: false, code: ErrorCode.TokenExpired, reason: 'token expired' });
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
    expect(await verify(none)).toEqual({ ok: false, code: ErrorCode.Unauthenticated, reason: 'token algorithm not allowed' });
  });

  it('refuses an algorithm other than HS256, even with the right secret', async () => {
    expect(await verify(await hs({}, 'HS512'))).toMatchObject({ ok: false, reason: 'token algorithm not allowed' });
  });

  it.each([
    ['an empty string', ''],
    ['a word', 'not-a-jwt'],
    ['three garbage parts', 'a.b.c'],
    ['a JSON header with a non-JSON payload', `${b64({ alg: 'HS256' })}.${Buffer.from('nope').toString('base64url')}.x`],
  ])('refuses %s as malformed, without throwing', async (_name, token) => {
    const v = await verify(token);
    expect(v).toMatchObject({ ok: false, code: ErrorCode.Unauthenticated });
    expect(v.ok || v.reason).toMatch(/malformed|no token|signature/);
  });

  it('refuses a payload that is not a JSON object as malformed', async () => {
    // Signed correctly, so only the payload's shape is wrong.
    const { CompactSign } = await import('jose');
    const token = await new CompactSign(key('[1,2]')).setProtectedHeader({ alg: 'HS256' }).sign(key(SECRET));
    expect(await verify(token)).toEqual({ ok: false, code: ErrorCode.Unauthenticated, reason: 'malformed token (not a JWT)' });
  });

  it('refuses a token too long to be real', async () => {
    expect(await verify('a'.repeat(20_000))).toMatchObject({ ok: false, reason: 'token too long' });
  });

  it('refuses a token without sub', async () => {
    expect(await verify(await hs({ sub: undefined }))).toMatchObject({ ok: false, reason: 'token has no sub claim (the user id)' });
  });

  it('refuses a numeric or empty sub', async () => {
    // jose's setSubject only takes strings; sign the raw claims to get a numeric sub.
    const numeric = await new SignJWT({ sub: 42 } as unknown as JWTPayload).setProtectedHeader({ alg: 'HS256' }).sign(key(SECRET));
    expect(await verify(numeric)).toMatchObject({ ok: false, reason: 'token sub must be a string, got number' });
    expect(await verify(await hs({ sub: '' }))).toMatchObject({ ok: false, reason: 'token sub is empty' });
  });

  it('checks issuer and audience when configured', async () => {
    const strict = createVerifier({ secret: SECRET, issuer: 'https://id.example', audience: 'tether' });
    expect(await strict(await hs({ iss: 'https://id.example', aud: ['other', 'tether'] }))).toMatchObject({ ok: true });
    expect(await strict(await hs({ iss: 'https://evil.example', aud: 'tether' }))).toMatchObject({ ok: false, reason: 'wrong token issuer' });
    expect(await strict(await hs({ aud: 'tether' }))).toMatchObject({ ok: false, reason: 'token has no iss claim' });
    expect(await strict(await hs({ iss: 'https://id.example', aud: 'other' }))).toMatchObject({ ok: false, reason: 'wrong token audience' });
    expect(await strict(await hs({ iss: 'https://id.example' }))).toMatchObject({ ok: false, reason: 'token has no aud claim' });
  });

  it('refuses a token that is not valid yet', async () => {
    expect(await verify(await hs({ nbf: now() + 600 }))).toMatchObject({ ok: false, code: ErrorCode.Unauthenticated, reason: 'token not valid yet (nbf)' });
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
    new SignJWT({ sub: 'user-7', exp: now() + 600, ...claims }).setProtectedHeader({ alg, kid }).sign(signers[alg]!.privateKey);

  it.each(['RS256', 'ES256', 'EdDSA'])('accepts a valid %s token, fetching the keys once', async (alg) => {
    const verify = createVerifier({ jwksUrl: url });
    const before = fetches;
    expect(await verify(await sign(alg))).toMatchObject({ ok: true, user: 'user-7' });
    expect(await verify(await sign(alg))).toMatchObject({ ok: true, user: 'user-7' });
    expect(fetches - before).toBe(1);
  });

  it('refuses a token whose kid is not in the set', async () => {
    const verify = createVerifier({ jwksUrl: url });
    expect(await verify(await sign('ES256', {}, 'kid-unknown'))).toEqual({
      ok: false,
      code: ErrorCode.Unauthenticated,
      reason: 'token signed with an unknown key (kid)',
    });
  });

  it('refuses an HS256 token, even one keyed with a public key', async () => {
    // The classic algorithm-confusion attack: HMAC with the published key as the secret.
    const verify = createVerifier({ jwksUrl: url });
    const forged = await hs({}, 'HS256', JSON.stringify(keys[0]));
    expect(await verify(forged)).toMatchObject({ ok: false, reason: 'token algorithm not allowed' });
  });

  it('refuses an expired token with TokenExpired', async () => {
    const verify = createVerifier({ jwksUrl: url });
    expect(await verify(await sign('RS256', { exp: now() - 60 }))).toMatchObject({ ok: false, code: ErrorCode.TokenExpired });
  });

  it('answers -32005 (try later), without throwing, when the JWKS cannot be fetched', async () => {
    const verify = createVerifier({ jwksUrl: url.replace('jwks.json', 'missing.json') });
    expect(await verify(await sign('ES256'))).toEqual({ ok: false, code: ErrorCode.Unavailable, reason: 'could not fetch the signing keys' });
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
});

describe('expiresInMs', () => {
  it('counts down to exp, stops at zero, and is undefined without exp', () => {
    expect(expiresInMs(1_000, 990_000)).toBe(10_000);
    expect(expiresInMs(1_000, 2_000_000)).toBe(0);
    expect(expiresInMs(undefined, 0)).toBeUndefined();
  });
});
