import { describe, expect, it } from 'vitest';
import { MAX_TIMER_MS, nextTokenTimer, type TokenTimerInput } from './token-timing.ts';

const T0 = 1_700_000_000_000;
const S = (ms: number) => ms / 1000;
/** A token issued and accepted at T0, living `lifeMs`, with the default 60 s lead. */
const fresh = (lifeMs: number, over: Partial<TokenTimerInput> = {}): TokenTimerInput => ({
  exp: S(T0 + lifeMs),
  iat: S(T0),
  verifiedAt: T0,
  now: T0,
  tokenExpiringMs: 60_000,
  noticeSent: false,
  ...over,
});

describe('nextTokenTimer', () => {
  it('notifies tokenExpiringMs before exp for a long-lived token', () => {
    expect(nextTokenTimer(fresh(3_600_000))).toEqual({ action: 'notice', inMs: 3_540_000 });
  });

  it('notifies a 5 s token at 80% of its life, not at once', () => {
    expect(nextTokenTimer(fresh(5_000))).toEqual({ action: 'notice', inMs: 4_000 });
  });

  it('does not notify a token barely longer than tokenExpiringMs almost at once (61 s token)', () => {
    const step = nextTokenTimer(fresh(61_000));
    expect(step).toEqual({ action: 'notice', inMs: 48_800 });
  });

  it('sends at most one notice per token: after it, the next step is the expiry', () => {
    expect(nextTokenTimer(fresh(5_000, { now: T0 + 4_000, noticeSent: true }))).toEqual({ action: 'expire', inMs: 1_000 });
  });

  it('ends the 5 s refresh loop: 3 notices in 12 s instead of 450', () => {
    // A client that refreshes the moment it is told, each time with a fresh 5 s token.
    let now = T0;
    let token: TokenTimerInput = fresh(5_000);
    let lastNoticeAt: number | undefined;
    let notices = 0;
    while (now < T0 + 12_000) {
      const step = nextTokenTimer({ ...token, now, lastNoticeAt });
      if (step.action !== 'notice') throw new Error(`unexpected ${step.action}`);
      now += step.inMs;
      notices++;
      lastNoticeAt = now;
      token = { ...fresh(5_000), exp: S(now + 5_000), iat: S(now), verifiedAt: now, now };
    }
    expect(notices).toBe(3);
  });

  it('never sends two notices closer than minGapMs, whatever tokens the client brings', () => {
    // The token source hands out tokens minted long ago, already inside their notice window.
    const stale = fresh(3_600_000, { iat: S(T0 - 3_590_000), exp: S(T0 + 10_000), lastNoticeAt: T0 - 200 });
    expect(nextTokenTimer(stale)).toEqual({ action: 'notice', inMs: 800 });
  });

  it('skips the notice when the gap would push it past exp, and just expires', () => {
    const input = fresh(500, { lastNoticeAt: T0 });
    expect(nextTokenTimer(input)).toEqual({ action: 'expire', inMs: 500 });
  });

  it('notifies at once, once, a token presented after its notice time', () => {
    const late = fresh(3_600_000, { iat: S(T0 - 3_570_000), exp: S(T0 + 30_000) });
    expect(nextTokenTimer(late)).toEqual({ action: 'notice', inMs: 0 });
    expect(nextTokenTimer({ ...late, noticeSent: true })).toEqual({ action: 'expire', inMs: 30_000 });
  });

  it('counts the lifetime from verifiedAt without iat, or with an iat in the future (clock skew)', () => {
    expect(nextTokenTimer(fresh(5_000, { iat: undefined }))).toEqual({ action: 'notice', inMs: 4_000 });
    expect(nextTokenTimer(fresh(5_000, { iat: S(T0 + 3_000) }))).toEqual({ action: 'notice', inMs: 4_000 });
    expect(nextTokenTimer(fresh(5_000, { iat: 'yesterday' as unknown as number }))).toEqual({ action: 'notice', inMs: 4_000 });
  });

  it('arms a 30-day token in steps below 2^31-1 ms, then notifies on time', () => {
    const thirtyDays = 30 * 86_400_000;
    expect(nextTokenTimer(fresh(thirtyDays))).toEqual({ action: 'recheck', inMs: MAX_TIMER_MS });
    const later = T0 + MAX_TIMER_MS;
    expect(nextTokenTimer(fresh(thirtyDays, { now: later }))).toEqual({ action: 'notice', inMs: thirtyDays - 60_000 - MAX_TIMER_MS });
    expect(nextTokenTimer(fresh(thirtyDays, { now: later, noticeSent: true }))).toEqual({ action: 'expire', inMs: thirtyDays - MAX_TIMER_MS });
  });

  it('arms nothing for a token without exp', () => {
    expect(nextTokenTimer(fresh(0, { exp: undefined }))).toEqual({ action: 'none' });
  });

  it('expires at once a token already past exp', () => {
    expect(nextTokenTimer(fresh(5_000, { now: T0 + 6_000 }))).toEqual({ action: 'expire', inMs: 0 });
  });

  it('never notifies with tokenExpiringMs 0, only expires', () => {
    expect(nextTokenTimer(fresh(3_600_000, { tokenExpiringMs: 0 }))).toEqual({ action: 'expire', inMs: 3_600_000 });
  });

  it('refuses a fraction outside (0, 1)', () => {
    expect(() => nextTokenTimer(fresh(5_000, { fraction: 1 }))).toThrow(RangeError);
  });
});
