/**
 * Token verification for the gateway: turns the JWT of an `auth` / `auth.refresh` frame into
 * the caller's user id and claims, or into a refusal with a wire code, a machine-readable
 * `kind` and a reason a human can act on. Next to it, the verifier of room tokens: the
 * Centrifugo-style subscription tokens that admit a user to a `$` room.
 *
 * Tokens are the ones django-cfg mints for Centrifugo (research/protocol.md §1.4: HS256,
 * `sub` = the user id as a string, `exp`), or any RS256/ES256/EdDSA token whose keys an
 * identity provider publishes as a JWKS. The checks follow RFC 8725 (JWT best practices):
 * pinned algorithms, `exp` required, audience and issuer required with a shared identity
 * provider, bounded `sub`, and connection and room tokens that cannot stand in for each other.
 */
import { createRemoteJWKSet, errors, jwtVerify, SignJWT, type JWTPayload, type JWTVerifyOptions } from 'jose';
import { ErrorCode } from 'tether-rpc/protocol';

/** How tokens are checked. Give exactly one of `secret` and `jwksUrl`. */
export interface VerifierOptions {
  /** Shared HS256 secret (django-cfg's `centrifugo_token_hmac_secret`). @default undefined */
  secret?: string | undefined;
  /** URL of a JWKS with the public keys of RS256 / ES256 / EdDSA tokens; fetched and cached by jose. @default undefined */
  jwksUrl?: string | undefined;
  /** Required `iss` claim. Required itself with `jwksUrl` unless `issuerCheck` is false. @default undefined */
  issuer?: string | undefined;
  /** Required `aud` claim (one of the token's audiences). Required itself with `jwksUrl` unless `audienceCheck` is false. @default undefined */
  audience?: string | undefined;
  /**
   * With `jwksUrl`, refuse to build a verifier without `audience`: an identity provider signs
   * tokens for every application it serves, and without an audience check a token minted for
   * any of them opens a socket here. `false` accepts any audience, on purpose.
   * @default true
   */
  audienceCheck?: boolean | undefined;
  /** Like `audienceCheck`, for `issuer`: a JWKS may be shared by several issuers (tenants). @default true */
  issuerCheck?: boolean | undefined;
  /**
   * Accept connection tokens without `exp`. Such a token works forever once leaked (RFC 8725
   * §3.10 asks for bounded lifetimes), so this is off unless asked for. Room tokens always need `exp`.
   * @default false
   */
  allowNoExp?: boolean | undefined;
  /** Clock skew allowed on `exp` / `nbf` / `iat`. @default 5 */
  clockToleranceSec?: number | undefined;
}

/** Why a token was refused, for logs, metrics and the client; `reason` says it in words. */
export const REFUSAL_KINDS = [
  /** Empty, missing or not a string: the gateway closes with 4001. */
  'no-token',
  'too-long',
  /** Not a JWT at all, or a payload that is not a JSON object. */
  'malformed',
  'algorithm-not-allowed',
  'bad-signature',
  /** The `kid` is not in the JWKS, or matches several keys. */
  'unknown-key',
  'expired',
  'not-yet-valid',
  'no-exp',
  'wrong-issuer',
  'wrong-audience',
  /** `sub` missing, not a string, empty, too long or with control characters. */
  'bad-subject',
  /** Another registered claim (`exp`, `iat`…) has the wrong type. */
  'invalid-claim',
  /** A room token offered as a connection token, or the other way round. */
  'wrong-token-type',
  /** The JWKS could not be fetched: not the token's fault. */
  'keys-unavailable',
  /** A room token for another user. */
  'wrong-user',
  /** A room token for another room. */
  'wrong-room',
] as const;
export type RefusalKind = (typeof REFUSAL_KINDS)[number];

/** A refused token. */
export interface Refusal {
  ok: false;
  /**
   * `Unavailable` (keys out of reach) is not the token's fault: the gateway closes with 1013
   * (try later), so clients back off and retry instead of giving up as on 4001.
   */
  code: ErrorCode.Unauthenticated | ErrorCode.TokenExpired | ErrorCode.Unavailable;
  kind: RefusalKind;
  reason: string;
}

/** The outcome of verifying one connection token. */
export type Verified =
  | {
      ok: true;
      /** The JWT `sub`. */
      user: string;
      /** The JWT `exp`, seconds since the epoch; absent only with `allowNoExp`. */
      exp?: number;
      /** Every verified claim, for the room policy (the `rooms` claim) and the token timers (`iat`). */
      claims: JWTPayload;
    }
  | Refusal;

/** Checks one connection token. Never throws: every failure is a `Refusal`. */
export type Verify = (token: string) => Promise<Verified>;

/** The outcome of verifying one room token. */
export type RoomTokenVerified = { ok: true; exp: number; claims: JWTPayload } | Refusal;

/** Checks that `token` admits `expected.user` to `expected.room`. Never throws. */
export type VerifyRoomToken = (token: string, expected: { user: string; room: string }) => Promise<RoomTokenVerified>;

/** Algorithms accepted with a JWKS. Pinned so a token cannot choose its own (e.g. `none`, or HS256 keyed with a public key). */
const ASYMMETRIC = ['RS256', 'ES256', 'EdDSA'];
/** Tokens come from a frame already capped in size, but a verifier is a public function: refuse absurd input before parsing. */
const MAX_TOKEN_LENGTH = 16_384;
/** `sub` ends up in Redis keys, logs and metrics of every event: a user id, not a document. */
export const MAX_SUB_BYTES = 256;

/** Builds the connection-token verifier. Throws when the options cannot work, so a misconfigured gateway fails at start-up. */
export function createVerifier(options: VerifierOptions): Verify {
  const check = createCheck(options, 'createVerifier');
  const requireExp = !options.allowNoExp;
  return async (token) => {
    const c = await check(token, requireExp);
    if (!c.ok) return c;
    const { payload } = c;
    const problem = subjectProblem(payload.sub);
    if (problem) return refuse('bad-subject', problem);
    // RFC 8725 §2.8: a room token is signed with the same key; it must not open a connection.
    if (payload.room !== undefined || payload.channel !== undefined) return refuse('wrong-token-type', 'a room token cannot authenticate a connection');
    const user = payload.sub as string;
    return payload.exp === undefined ? { ok: true, user, claims: payload } : { ok: true, user, exp: payload.exp, claims: payload };
  };
}

/**
 * Builds the room-token verifier: same keys, algorithms, issuer and audience as connection
 * tokens, `exp` always required, `sub` = the user and `room` (or Centrifugo's `channel`) = the room.
 */
export function createRoomTokenVerifier(options: VerifierOptions): VerifyRoomToken {
  const check = createCheck(options, 'createRoomTokenVerifier');
  return async (token, expected) => {
    const c = await check(token, true);
    if (!c.ok) return c;
    const { payload } = c;
    const problem = subjectProblem(payload.sub);
    if (problem) return refuse('bad-subject', problem);
    const { room, channel } = payload;
    if (room === undefined && channel === undefined) return refuse('wrong-token-type', 'token has no room claim: not a room token');
    if (room !== undefined && channel !== undefined && room !== channel) return refuse('wrong-room', 'room token names two different rooms');
    if ((room ?? channel) !== expected.room) return refuse('wrong-room', 'room token is for another room');
    if (payload.sub !== expected.user) return refuse('wrong-user', 'room token is for another user');
    return { ok: true, exp: payload.exp as number, claims: payload };
  };
}

type Checked = { ok: true; payload: JWTPayload } | Refusal;

/** Signature, algorithm, time and issuer/audience checks shared by both kinds of token. */
function createCheck(options: VerifierOptions, caller: string): (token: unknown, requireExp: boolean) => Promise<Checked> {
  const { secret, jwksUrl, issuer, audience, audienceCheck = true, issuerCheck = true, clockToleranceSec = 5 } = options;
  if ((secret === undefined) === (jwksUrl === undefined)) {
    throw new Error(`${caller}: give exactly one of \`secret\` (HS256) and \`jwksUrl\` (RS256/ES256/EdDSA)`);
  }
  if (secret !== undefined && secret.length === 0) throw new Error(`${caller}: \`secret\` is empty`);
  if (!audienceCheck && audience !== undefined) throw new Error(`${caller}: \`audience\` is set but \`audienceCheck\` is false; keep one`);
  if (!issuerCheck && issuer !== undefined) throw new Error(`${caller}: \`issuer\` is set but \`issuerCheck\` is false; keep one`);
  let key: Uint8Array | ReturnType<typeof createRemoteJWKSet>;
  if (secret !== undefined) {
    key = new TextEncoder().encode(secret);
  } else {
    let url: URL;
    try {
      url = new URL(jwksUrl as string);
    } catch {
      throw new Error(`${caller}: \`jwksUrl\` ${JSON.stringify(jwksUrl)} is not a URL`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new Error(`${caller}: \`jwksUrl\` must be http(s), got ${JSON.stringify(jwksUrl)}`);
    }
    // A shared identity provider signs for other applications and tenants too (RFC 8725 §3.9, §3.8).
    if (audienceCheck && audience === undefined) throw new Error(`${caller}: \`audience\` is required with \`jwksUrl\` (or set \`audienceCheck: false\`)`);
    if (issuerCheck && issuer === undefined) throw new Error(`${caller}: \`issuer\` is required with \`jwksUrl\` (or set \`issuerCheck: false\`)`);
    key = createRemoteJWKSet(url);
  }
  const base: JWTVerifyOptions = {
    algorithms: secret !== undefined ? ['HS256'] : ASYMMETRIC,
    clockTolerance: clockToleranceSec,
    ...(issuer !== undefined && { issuer }),
    ...(audience !== undefined && { audience }),
  };
  const withExp: JWTVerifyOptions = { ...base, requiredClaims: ['exp'] };
  const remote = jwksUrl !== undefined;

  return async (token, requireExp) => {
    if (typeof token !== 'string' || token.length === 0) return refuse('no-token', 'no token');
    if (token.length > MAX_TOKEN_LENGTH) return refuse('too-long', 'token too long');
    const verifyOptions = requireExp ? withExp : base;
    try {
      // Two call sites because jose's overloads split on the key's type.
      const { payload } = key instanceof Uint8Array ? await jwtVerify(token, key, verifyOptions) : await jwtVerify(token, key, verifyOptions);
      return { ok: true, payload };
    } catch (err) {
      return explain(err, remote);
    }
  };
}

/** What is wrong with a `sub`, or undefined when it is a usable user id. */
function subjectProblem(sub: unknown): string | undefined {
  if (sub === undefined) return 'token has no sub claim (the user id)';
  // RFC 7519 §4.1.2: `sub` is a string. A numeric one means the issuer does not follow the
  // spec (django-cfg sends `str(user.id)`); saying so now beats guessing what it meant.
  if (typeof sub !== 'string') return `token sub must be a string, got ${typeof sub}`;
  if (sub.length === 0) return 'token sub is empty';
  if (Buffer.byteLength(sub, 'utf8') > MAX_SUB_BYTES) return `token sub is longer than ${MAX_SUB_BYTES} bytes`;
  // Control characters have no place in an id, and `\0` separates fields in presence entries.
  if (/[\u0000-\u001f\u007f]/.test(sub)) return 'token sub contains control characters';
  return undefined;
}

function refuse(kind: RefusalKind, reason: string): Refusal {
  return { ok: false, code: ErrorCode.Unauthenticated, kind, reason };
}

/** Maps jose's errors to kinds and reasons; anything else (the JWKS host is down) is still a refusal, never a throw. */
function explain(err: unknown, remote: boolean): Refusal {
  if (err instanceof errors.JWTExpired) return { ok: false, code: ErrorCode.TokenExpired, kind: 'expired', reason: 'token expired' };
  if (err instanceof errors.JOSEAlgNotAllowed) return refuse('algorithm-not-allowed', 'token algorithm not allowed');
  if (err instanceof errors.JWSSignatureVerificationFailed) return refuse('bad-signature', 'bad token signature');
  if (err instanceof errors.JWKSNoMatchingKey) return refuse('unknown-key', 'token signed with an unknown key (kid)');
  if (err instanceof errors.JWKSMultipleMatchingKeys) return refuse('unknown-key', 'token kid matches several keys');
  if (err instanceof errors.JWKSTimeout || err instanceof errors.JWKSInvalid) return keysOutOfReach();
  if (err instanceof errors.JWTClaimValidationFailed) {
    const missing = err.reason === 'missing';
    if (err.claim === 'exp') return missing ? refuse('no-exp', 'token has no exp claim') : refuse('invalid-claim', 'token exp is not a number');
    if (err.claim === 'iss') return refuse('wrong-issuer', missing ? 'token has no iss claim' : 'wrong token issuer');
    if (err.claim === 'aud') return refuse('wrong-audience', missing ? 'token has no aud claim' : 'wrong token audience');
    if (err.claim === 'nbf' && err.reason !== 'invalid') return refuse('not-yet-valid', 'token not valid yet (nbf)');
    return refuse('invalid-claim', `token claim ${err.claim} is invalid`);
  }
  if (err instanceof errors.JWSInvalid || err instanceof errors.JWTInvalid || err instanceof errors.JOSENotSupported) {
    return refuse('malformed', 'malformed token (not a JWT)');
  }
  // jose throws a bare JOSEError only for a JWKS answer that is not 200 + JSON, and fetch()
  // failing to reach the JWKS host is a TypeError: both mean the keys are out of reach.
  return remote ? keysOutOfReach() : refuse('malformed', 'invalid token');
}

const keysOutOfReach = (): Refusal => ({ ok: false, code: ErrorCode.Unavailable, kind: 'keys-unavailable', reason: 'could not fetch the signing keys' });

/** An HS256 token for `user`, valid for `ttlSec`: development tokens for `npm start`, and tests. */
export function signDevToken(secret: string, user: string, ttlSec = 3600): Promise<string> {
  return new SignJWT({})
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(user)
    .setIssuedAt()
    .setExpirationTime(`${ttlSec}s`)
    .sign(new TextEncoder().encode(secret));
}

/** An HS256 room token admitting `user` to `room` for `ttlSec`: for development and tests. */
export function signDevRoomToken(secret: string, user: string, room: string, ttlSec = 3600): Promise<string> {
  return new SignJWT({ room })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(user)
    .setIssuedAt()
    .setExpirationTime(`${ttlSec}s`)
    .sign(new TextEncoder().encode(secret));
}

/**
 * Milliseconds until `exp` (seconds since the epoch), 0 when already past, `undefined` for a
 * token without `exp`. To schedule `token.expiring`, use `nextTokenTimer` (token-timing.ts).
 */
export function expiresInMs(exp: number | undefined, now = Date.now()): number | undefined {
  if (exp === undefined) return undefined;
  return Math.max(0, exp * 1000 - now);
}
