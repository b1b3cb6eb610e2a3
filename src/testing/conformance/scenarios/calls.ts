/**
 * Scenarios: calls and their answers, protocol errors, and the heartbeat. The client matches
 * an answer to its call by id alone, so the id must come back exactly as sent, string or
 * number; an answer it cannot match (id null) is how it learns a frame was unreadable.
 */
import { describe, expect } from 'vitest';
import type { Ctx } from '../context.ts';
import { ECHO, FAIL } from '../target.ts';

export function callScenarios(c: Ctx) {
  describe('calls', () => {
    c.it('answers a call under its string id with the result', [], async () => {
      const { peer } = await c.login('alice');
      expect(await peer.request(ECHO, { a: [1, 2], s: 'x' }, 'call-1')).toEqual({ jsonrpc: '2.0', id: 'call-1', result: { a: [1, 2], s: 'x' } });
    });

    c.it('answers a call under its number id, still a number', [], async () => {
      const { peer } = await c.login('alice');
      expect(await peer.request(ECHO, { n: 1 }, 42)).toEqual({ jsonrpc: '2.0', id: 42, result: { n: 1 } });
    });

    c.it("answers a failing call with the error's code, message and data under its id", [], async () => {
      const { peer } = await c.login('alice');
      expect(await peer.request(FAIL.method, {}, 'f1')).toEqual({
        jsonrpc: '2.0',
        id: 'f1',
        error: { code: FAIL.code, message: FAIL.message, data: FAIL.data },
      });
    });

    c.it('answers an unknown method with -32601 under its id', [], async () => {
      const { peer } = await c.login('alice');
      expect(await peer.request('no.such.method', {}, 7)).toMatchObject({ id: 7, error: { code: -32601, message: expect.any(String) } });
    });

    c.it('answers a frame that is not JSON with -32700 and a null id, and keeps the socket', [], async () => {
      const { peer } = await c.login('alice');
      peer.send('{"jsonrpc":"2.0","id":');
      expect(await peer.find((f) => 'error' in f)).toMatchObject({ id: null, error: { code: -32700 } });
      expect(await peer.request(ECHO, 'still here')).toMatchObject({ result: 'still here' });
    });

    c.it('answers a frame that is not a request (a response, an old envelope) with -32600 under its id', [], async () => {
      const { peer } = await c.login('alice');
      peer.send({ jsonrpc: '2.0', id: 'not-a-request', result: 1 });
      expect(await peer.find((f) => f.id === 'not-a-request')).toMatchObject({ error: { code: -32600 } });
      peer.send({ jsonrpc: '1.0', id: 'old', method: ECHO });
      expect(await peer.find((f) => f.id === 'old')).toMatchObject({ error: { code: -32600 } });
      expect(await peer.request(ECHO, 1)).toMatchObject({ result: 1 });
    });

    c.it('answers system.ping', ['systemPing'], async () => {
      const { peer } = await c.login('alice');
      expect(await peer.request('system.ping')).toMatchObject({ result: { pong: true } });
    });
  });

  describe('heartbeat', () => {
    c.it('pings every heartbeatMs and keeps a socket that answers pong', ['pings'], async () => {
      const { peer, result } = await c.login('alice');
      expect(result.heartbeatMs, 'a heartbeat the suite can wait for: give the target a short one').toBeLessThanOrEqual(1000);
      const within = result.heartbeatMs * 2 + 500;
      await peer.until(() => peer.of('ping').length >= 1, 'first ping', within);
      await peer.until(() => peer.of('ping').length >= 2, 'second ping', within);
      expect(peer.of('ping')[0]).toEqual({ jsonrpc: '2.0', method: 'ping' });
      // A pong is a notification: nothing answers it, and the socket stays.
      expect(peer.frames.filter((f) => 'error' in f)).toEqual([]);
      expect(await peer.request(ECHO, 'alive')).toMatchObject({ result: 'alive' });
    });
  });
}
