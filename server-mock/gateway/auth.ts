/**
 * Token verification for the gateway: turns the JWT of an `auth` / `auth.refresh` frame into
 * the caller's user id, or into a refusal with a wire code and a reason a human can act on.
 *
 * Tokens are the ones django-cfg mints for Centrifugo (research/protocol.md §1.4: HS256,
 * `sub` = the user id as a string, `exp`), or any RS256/ES256/EdDSA token whose keys an
 * identity provider publishes as a JWKS.
 */
import { createRemoteJWKSet, errors, jwtVerify, SignJWT, type JWTPayload, type JWTVerifyOptions } from 'jose';
import { ErrorCode } from '../../src/protocol/codes.ts';

/** How tokens are checked. Give exactly one of `secret` and `jwksUrl`. */
export interface VerifierOptions {
  /** Shared HS256 secret (django-cfg's `centrifugo_token_hmac_secret`). */
  secret?: string;
  /** URL of a JWKS with the public keys of RS256 / ES256 / EdDSA tokens; fetched and cached by jose. */
  jwksUrl?: string;
  /** Required `iss` claim, when set. */
  issuer?: string;
  /** Required `aud` claim (one of the token's audiences), when set. */
  audience?: string;
  /** Clock skew allowed on `exp` / `nbf` / `iat`. @default 5 */
  clockToleranceSec?: number;
}

/** The outcome of verifying one token. */
export type Verified =
  | {
      ok: true;
      /** The JWT `sub`. */
      user: string;
      /** The JWT `exp`, seconds since the epoch; absent for a token that never expires. */
      exp?: number;
    }
  /**
   * `Unavailable`: the keys could not be fetched. Not the token's fault: the gateway closes
   * with 1013 (try later), so clients back off and retry instead of giving up as on 4001.
   */
  | { ok: false; code: ErrorCode.Unauthenticated | ErrorCode.TokenExpired | ErrorCode.Unavailable; reason: string };

/** Checks one token. Never throws: every failure is a `{ ok: false }` with its reason. */
export type Verify = (token: string) => Promise<Verified>;

/** Algorithms accepted with a JWKS. Pinned so a token cannot choose its own (e.g. `none`, or HS256 keyed with a public key). */
const ASYMMETRIC = ['RS256', 'ES256', 'EdDSA'];
/** Tokens come from a frame already capped in size, but a verifier is a public function: refuse absurd input before parsing. */
const MAX_TOKEN_LENGTH = 16_384;

/** Builds the verifier. Throws when the options cannot work, so a misconfigured gateway fails at start-up. */
export function createVerifier(options: VerifierOptions): Verify {
  const { secret, jwksUrl, issuer, audience, clockToleranceSec = 5 } = options;
  if ((secret === undefined) === (jwksUrl === undefined)) {
    throw new Error('createVerifier: give exactly one of `secret` (HS256) and `jwksUrl` (RS256/ES256/EdDSA)');
  }
  if (secret !== undefined && secret.length === 0) throw new Error('createVerifier: `secret` is empty');
  let key: Uint8Array | ReturnType<typeof createRemoteJWKSet>;
  if (secret !== undefined) {
    key = new TextEncoder().encode(secret);
  } else {
    let url: URL;
    try {
      url = new URL(jwksUrl as string);
    } catch {
      throw new Error(`createVerifier: \`jwksUrl\` ${JSON.stringify(jwksUrl)} is not a URL`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new Error(`createVerifier: \`jwksUrl\` must be http(s), got ${JSON.stringify(jwksUrl)}`);
    }
    key = createRemoteJWKSet(url);
  }
  const verifyOptions: JWTVerifyOptions = {
    algorithms: secret !== undefined ? ['HS256'] : ASYMMETRIC,
    clockTolerance: clockToleranceSec,
    ...(issuer !== undefined && { issuer }),
    ...(audience !== undefined && { audience }),
  };

  return async (token) => {
    if (typeof token !== 'string' || token.length === 0) return refuse('no token');
    if (token.length > MAX_TOKEN_LENGTH) return refuse('token too long');
    let payload: JWTPayload;
    try {
      // Two call sites because jose's overloads split on the key's type.
      ({ payload } = key instanceof Uint8Array ? await jwtVerify(token, key, verifyOptions) : await jwtVerify(token, key, verifyOptions));
    } catch (err) {
      return explain(err, jwksUrl !== undefined);
    }
    const { sub, exp } = payload;
    if (sub === undefined) return refuse('token has no sub claim (the user id)');
    // RFC 7519 §4.1.2: `sub` is a string. A numeric one means the issuer does not follow the
    // spec (django-cfg sends `str(user.id)`); saying so now beats guessing what it meant.
    if (typeof sub !== 'string') return refuse(`token sub must be a string, got ${typeof sub}`);
    if (sub.length === 0) return refuse('token sub is empty');
    return exp === undefined ? { ok: true, user: sub } : { ok: true, user: sub, exp };
  };
}

function refuse(reason: string): Verified {
  return { ok: false, code: ErrorCode.Unauthenticated, reason };
}

/** Maps jose's errors to reasons; anything else (the JWKS host is down) is still a refusal, never a throw. */
function explain(err: unknown, remote: boolean): Verified {
  if (err instanceof errors.JWTExpired) return { ok: false, code: ErrorCode.TokenExpired, reason: 'token expired' };
  if (err instanceof errors.JOSEAlgNotAllowed) return refuse('token algorithm not allowed');
  if (err instanceof errors.JWSSignatureVerificationFailed) return refuse('bad token signature');
  if (err instanceof errors.JWKSNoMatchingKey) return refuse('token signed with an unknown key (kid)');
  if (err instanceof errors.JWKSMultipleMatchingKeys) return refuse('token kid matches several keys');
  if (err instanceof errors.JWKSTimeout || err instanceof errors.JWKSInvalid) return keysOutOfReach;
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.claim === 'iss') return refuse(err.reason === 'missing' ? 'token has no iss claim' : 'wrong token issuer');
    if (err.claim === 'aud') return refuse(err.reason === 'missing' ? 'token has no aud claim' : 'wrong token audience');
    if (err.claim === 'nbf') return refuse('token not valid yet (nbf)');
    return refuse(`token claim ${err.claim} is invalid`);
  }
  if (err instanceof errors.JWSInvalid || err instanceof errors.JWTInvalid || err instanceof errors.JOSENotSupported) {
    return refuse('malformed token (not a JWT)');
  }
  // jose throws a bare JOSEError only for a JWKS answer that is not 200 + JSON, and fetch()
  // failing to reach the JWKS host is a TypeError: both mean the keys are out of reach.
  return remote ? keysOutOfReach : refuse('invalid token');
}

const keysOutOfReach: Verified = { ok: false, code: ErrorCode.Unavailable, reason: 'could not fetch the signing keys' };

/** An HS256 token for `user`, valid for `ttlSec`: development tokens for `npm start`, and tests. */
export function signDevToken(secret: string, user: string, ttlSec = 3600): Promise<string> {
  return new SignJWT({})
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(user)
    .setIssuedAt()
    .setExpirationTime(`${ttlSec}s`)
    .sign(new TextEncoder().encode(secret));
}

/**
 * Milliseconds until `exp` (seconds since the epoch), 0 when already past, `undefined` for a
 * token without `exp`. Callers arming a timer must clamp it: tokens often live 30 days
 * (django-cfg's default) and `setTimeout` fires at once past 2^31-1 ms (~24.8 days).
 */
export function expiresInMs(exp: number | undefined, now = Date.now()): number | undefined {
  if (exp === undefined) return undefined;
  return Math.max(0, exp * 1000 - now);
}
