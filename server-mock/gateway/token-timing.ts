/**
 * When to send `token.expiring` and when to close for expiry, for tokens of any lifetime.
 * Pure: it takes the clock and the connection's state and returns the next timer to arm.
 *
 * Why it exists: notifying a fixed `tokenExpiringMs` before `exp` means "at once" for a token
 * that lives less than that; the client refreshes, gets another short token, is notified at
 * once again, and so on (a 5 s token made a client ask 450 times in 12 s). Here the lead is
 * `min(tokenExpiringMs, (1 - fraction) × lifetime)`: a 1 h token hears 60 s before `exp`, a
 * 5 s token at 4 s. Taking the smaller of the two for every token, not only for those shorter
 * than `tokenExpiringMs`, keeps a 61 s token from being notified after 1 s.
 *
 * Wiring (gateway core), per connection: keep `{ exp, iat, verifiedAt, noticeSent }` of the
 * current token and `lastNoticeAt`; after `auth`, and after an `auth.refresh` whose token has
 * a later `exp` (then `noticeSent = false`, `verifiedAt = now`), call `arm()`:
 *
 *     const step = nextTokenTimer({ ...t, now: Date.now(), tokenExpiringMs, lastNoticeAt });
 *     if (step.action === 'notice') s.later(step.inMs, () => { notify('token.expiring',
 *       { inMs: t.exp * 1000 - Date.now() }); t.noticeSent = true; lastNoticeAt = Date.now(); arm(); });
 *     if (step.action === 'expire') s.later(step.inMs, () => close(4001, 'token expired'));
 *     if (step.action === 'recheck') s.later(step.inMs, arm);
 *
 * A refresh that brings the same `exp` (a client's cached token) must not reset `noticeSent`.
 */

/** `setTimeout` fires at once past this (~24.8 days); longer waits are armed in steps. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

export interface TokenTimerInput {
  /** The current token's `exp`, seconds since the epoch; `undefined`: it never expires. */
  exp: number | undefined;
  /** The current token's `iat`, seconds; the lifetime counts from it when it is plausible. @default undefined */
  iat?: number | undefined;
  /** When the gateway accepted the current token, ms: the lifetime's start without a usable `iat`. */
  verifiedAt: number;
  /** The clock, ms. */
  now: number;
  /** The longest lead of the notice; 0: never notify, only close at expiry. */
  tokenExpiringMs: number;
  /** `token.expiring` was already sent for the current token. */
  noticeSent: boolean;
  /** When this connection last got `token.expiring` (for any token), ms. @default undefined */
  lastNoticeAt?: number | undefined;
  /** Share of the lifetime after which a short token's notice goes. @default 0.8 */
  fraction?: number | undefined;
  /** Two notices are never closer than this, whatever tokens the client brings. @default 1000 */
  minGapMs?: number | undefined;
}

/** The one timer to arm next. */
export type TokenTimerStep =
  /** The token never expires: nothing to arm. */
  | { action: 'none' }
  /** Send `token.expiring` after `inMs`, then plan again. */
  | { action: 'notice'; inMs: number }
  /** Close with 4001 after `inMs` (0: the token has expired). */
  | { action: 'expire'; inMs: number }
  /** Too far for one timer: plan again after `inMs`. */
  | { action: 'recheck'; inMs: number };

export const TOKEN_TIMING_DEFAULTS = { fraction: 0.8, minGapMs: 1000 };

export function nextTokenTimer(input: TokenTimerInput): TokenTimerStep {
  const { exp, now } = input;
  if (exp === undefined) return { action: 'none' };
  const expMs = exp * 1000;
  if (expMs <= now) return { action: 'expire', inMs: 0 };
  let action: 'notice' | 'expire' = 'expire';
  let at = expMs;
  if (!input.noticeSent && input.tokenExpiringMs > 0) {
    const noticeAt = noticeTime(input, expMs);
    // A notice that could only come at or after expiry is no notice: just expire.
    if (noticeAt < expMs) [action, at] = ['notice', Math.max(noticeAt, now)];
  }
  const inMs = Math.ceil(at - now);
  return inMs > MAX_TIMER_MS ? { action: 'recheck', inMs: MAX_TIMER_MS } : { action, inMs };
}

function noticeTime(i: TokenTimerInput, expMs: number): number {
  const fraction = i.fraction ?? TOKEN_TIMING_DEFAULTS.fraction;
  const minGapMs = i.minGapMs ?? TOKEN_TIMING_DEFAULTS.minGapMs;
  if (!(fraction > 0 && fraction < 1)) throw new RangeError(`nextTokenTimer: fraction must be between 0 and 1, got ${fraction}`);
  // An `iat` after we saw the token is clock skew, and one after `exp` is nonsense: count from `verifiedAt` then.
  const iatMs = typeof i.iat === 'number' && Number.isFinite(i.iat) ? i.iat * 1000 : undefined;
  const start = iatMs !== undefined && iatMs <= i.verifiedAt && iatMs < expMs ? iatMs : i.verifiedAt;
  const lifetime = Math.max(0, expMs - start);
  const lead = Math.min(i.tokenExpiringMs, (1 - fraction) * lifetime);
  const at = expMs - lead;
  return i.lastNoticeAt === undefined ? at : Math.max(at, i.lastNoticeAt + minGapMs);
}
