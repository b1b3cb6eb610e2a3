import { describe, expect, it, vi } from 'vitest';
import { jwt } from '../testing/jwt.ts';
import { isExpired, resolveToken } from './token.ts';

const now = 1_800_000_000_000;

describe('tokens', () => {
  it('reads exp from a JWT, and never calls an opaque token expired', () => {
    expect(isExpired(jwt({ exp: now / 1000 - 1 }), now)).toBe(true);
    expect(isExpired(jwt({ exp: now / 1000 + 60 }), now)).toBe(false);
    expect(isExpired(jwt({ sub: 'no exp' }), now)).toBe(false);
    expect(isExpired('opaque-api-token', now)).toBe(false);
    expect(isExpired('a.%%%.c', now)).toBe(false);
  });

  it('asks a token function a second time before giving up on an expired token', async () => {
    const source = vi.fn().mockResolvedValueOnce(jwt({ exp: 1 })).mockResolvedValueOnce('fresh');
    await expect(resolveToken(source, () => now)).resolves.toBe('fresh');
    const stale = vi.fn(() => jwt({ exp: 1 }));
    await expect(resolveToken(stale, () => now)).resolves.toBeUndefined();
    expect(stale).toHaveBeenCalledTimes(2);
    await expect(resolveToken(jwt({ exp: 1 }), () => now)).resolves.toBeUndefined();
  });
});
