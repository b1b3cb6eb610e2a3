/**
 * Tokens: resolved on every connect, and never sent when they are known to be expired.
 * The claims are read from the JWT without verifying it (only the gateway can): `exp` to know
 * it expired, `sub` to know whose streams the client is about to resume.
 */
import { lazy, type Lazy } from './options.ts';

/** A JWT's claims, or nothing for an opaque token. */
export function claimsOf(token: string): { exp?: unknown; sub?: unknown } {
  try {
    return JSON.parse(atob(token.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/'))) ?? {};
  } catch {
    return {};
  }
}

/** Whether `token` is a JWT whose `exp` has passed at `now` (ms). Opaque tokens never are. */
export function isExpired(token: string, now: number): boolean {
  const { exp } = claimsOf(token);
  return typeof exp === 'number' && exp * 1000 <= now;
}

/**
 * Get a token from `source`; a source function is asked twice before an expired token is
 * given up on. `''` when there is none, `undefined` when the one there is has expired.
 */
export async function resolveToken(source: Lazy<string>, now: () => number): Promise<string | undefined> {
  const get = async () => (await lazy(source)) || '';
  let token = await get();
  if (isExpired(token, now()) && typeof source === 'function') token = await get();
  return isExpired(token, now()) ? undefined : token;
}
