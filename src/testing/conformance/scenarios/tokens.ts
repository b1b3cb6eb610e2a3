/**
 * Scenarios: a token's life on an open socket. The client refreshes when told
 * `token.expiring`, and a socket is one identity, so a refresh must keep its user.
 */
import { describe, expect } from 'vitest';
import { AuthRefreshResult } from '../../../protocol/unread-results.ts';
import type { Ctx } from '../context.ts';

export function tokenScenarios(c: Ctx) {
  describe('tokens', () => {
    c.it('answers auth.refresh with exp for a token of the same user, and -32001 for another user', ['refresh'], async () => {
      const { peer } = await c.login('alice');
      const refreshed = await peer.request('auth.refresh', { token: await c.target().token('alice') });
      expect(AuthRefreshResult.safeParse(refreshed.result).success, JSON.stringify(refreshed)).toBe(true);
      expect(await peer.request('auth.refresh', { token: await c.target().token('bob') })).toMatchObject({ error: { code: -32001 } });
    });

    c.it('sends token.expiring before the token expires, then takes a refresh', ['tokenExpiring', 'refresh'], async () => {
      const peer = c.open();
      await peer.opened;
      peer.send({ jsonrpc: '2.0', id: 'auth', method: 'auth', params: { token: await c.target().expiringToken!('alice') } });
      await peer.find((f) => f.id === 'auth' && 'result' in f);
      const notice = await peer.find((f) => f.method === 'token.expiring', 3000);
      expect(notice.params.inMs).toBeGreaterThan(0);
      expect(await peer.request('auth.refresh', { token: await c.target().token('alice') })).toMatchObject({ result: { exp: expect.any(Number) } });
    });
  });
}
