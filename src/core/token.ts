/**
 * Tokens: resolved on every connect, and never sent when they are known to be expired.
 * The expiry is read from the JWT's `exp` claim without verifying it (only the gateway can).
 */
import type { Lazy } from './options.ts';

/** Whether `token` is a JWT whose `exp` has passed at `now` (ms). Opaque tokens never are. */
export function isExpired(token: string, now: number): boolean {
  try {
    const b64 = token.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/');
    const exp = JSON.parse(atob(b64)).exp;
    return typeof exp === 'number' && exp * 1000 <= now;
  } catch {
    return false;
  }
}

/**
 * Get a token from `source`; a source function is asked twice before an expired token is
 * given up on. `''` when there is none, `undefined` when the one there is has expired.
 */
export async function resolveToken(source: Lazy<string>, now: () => number): Promise<string | undefined> {
  const get = async () => (await (typeof source === 'function' ? source() : source)) || '';
  let token = await get();
  if (isExpired(token, now()) && typeof source === 'function') token = await get();
  return isExpired(token, now()) ? undefined : token;
}
