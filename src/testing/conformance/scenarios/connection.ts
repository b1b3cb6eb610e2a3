/**
 * Scenarios: opening a connection and authenticating it (docs/protocol.md, "Connection").
 * The client stops for good on 4000 and asks for a new token on 4001, so those codes, and the
 * upgrade being accepted before them, are what it relies on.
 */
import { describe, expect } from 'vitest';
import type { Ctx } from '../context.ts';
import { ECHO } from '../target.ts';
import { OFFSET } from '../peer.ts';

export function connectionScenarios(c: Ctx) {
  describe('connection', () => {
    c.it('negotiates the tether.v1 subprotocol', [], async () => {
      const peer = c.open('tether.v1');
      expect(await peer.opened).toBe(true);
      expect(peer.protocol).toBe('tether.v1');
    });

    c.it('accepts a socket that offers no subprotocol, then closes it with 4000', [], async () => {
      const peer = c.open(null);
      expect(await peer.closedWithin()).toMatchObject({ code: 4000, opened: true });
    });

    c.it('accepts a socket that offers only another version, then closes it with 4000', [], async () => {
      const peer = c.open('tether.v0');
      expect(await peer.closedWithin()).toMatchObject({ code: 4000, opened: true });
    });

    c.it('closes with 4008 when the first frame is not auth', [], async () => {
      const peer = c.open();
      await peer.opened;
      peer.send({ jsonrpc: '2.0', id: 'early', method: ECHO, params: {} });
      expect((await peer.closedWithin()).code).toBe(4008);
    });
  });

  describe('auth', () => {
    c.it("answers auth with the user, a session, heartbeatMs, the server, recovered and the streams' offsets", [], async () => {
      const { result } = await c.login('alice');
      expect(result).toMatchObject({
        user: 'alice',
        session: expect.any(String),
        heartbeatMs: expect.any(Number),
        server: { name: expect.any(String), version: expect.any(String) },
      });
      expect(result.heartbeatMs).toBeGreaterThan(0);
      // Nothing was resumed, so nothing can have been lost: only an explicit false means a gap.
      expect(result.recovered).toMatchObject({ user: true, broadcast: true });
      expect(result.offsets.user).toMatch(OFFSET);
      expect(result.offsets.broadcast).toMatch(OFFSET);
    });

    c.it('closes with 4001 when the token is refused', [], async () => {
      const peer = c.open();
      await peer.opened;
      peer.send({ jsonrpc: '2.0', id: 'a', method: 'auth', params: { token: c.target().badToken } });
      expect((await peer.closedWithin()).code).toBe(4001);
      expect(peer.frames.filter((f) => 'result' in f)).toEqual([]);
    });

    c.it('closes with 4001 when the token is empty', [], async () => {
      const peer = c.open();
      await peer.opened;
      peer.send({ jsonrpc: '2.0', id: 'a', method: 'auth', params: { token: '' } });
      expect((await peer.closedWithin()).code).toBe(4001);
    });

    c.it('refuses a second auth on the same socket with -32600 and keeps the first identity', [], async () => {
      const { peer } = await c.login('alice');
      const again = await peer.request('auth', { token: await c.target().token('bob') });
      expect(again).toMatchObject({ error: { code: -32600 } });
      await c.target().notify('alice', 'still-alice');
      expect((await peer.find((f) => f.method === 'notification')).params.type).toBe('still-alice');
    });
  });
}
