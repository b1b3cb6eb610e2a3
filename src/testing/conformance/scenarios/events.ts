/**
 * Scenarios: pushed events. The client keeps the last offset of each stream, drops what is
 * not after it, and resumes from it, so every event needs an offset of its stream's epoch
 * that grows, and its `ts`. "Only to its user" is shown with a barrier: the other user's next
 * event is their own.
 */
import { describe, expect } from 'vitest';
import { compareOffsets, epochOf } from '../../../protocol/offsets.ts';
import type { Ctx } from '../context.ts';
import type { Json } from '../peer.ts';

/** Each offset after the one before it, all of `from`'s epoch. */
export function expectIncreasing(from: string, offsets: string[]) {
  let last = from;
  for (const o of offsets) {
    expect(epochOf(o), `${o} is of the epoch of ${last}`).toBe(epochOf(last));
    expect(compareOffsets(o, last), `${o} comes after ${last}`).toBeGreaterThan(0);
    last = o;
  }
}

const eventOf = (method: string, type: string) => (f: Json) => f.method === method && f.params?.type === type;

export function eventScenarios(c: Ctx) {
  describe('notifications and broadcasts', () => {
    c.it('delivers a notification to its user only, with an offset and ts', [], async () => {
      const alice = await c.login('alice');
      const bob = await c.login('bob');
      await c.target().notify('alice', 'hello', { n: 1 });
      const got = await alice.peer.find(eventOf('notification', 'hello'));
      expect(got.params).toMatchObject({ type: 'hello', data: { n: 1 }, ts: expect.any(Number) });
      await c.target().notify('bob', 'barrier');
      expect((await bob.peer.next()).params).toMatchObject({ type: 'barrier' });
    });

    c.it('delivers a broadcast to every authenticated socket, with an offset and ts, and to no other socket', [], async () => {
      const alice = await c.login('alice');
      const bob = await c.login('bob');
      const stranger = c.open();
      await stranger.opened;
      await c.target().broadcast('news', { v: 2 });
      for (const { peer } of [alice, bob]) {
        expect((await peer.next()).params).toMatchObject({ type: 'news', data: { v: 2 }, ts: expect.any(Number) });
        expect(peer.of('broadcast')).toHaveLength(1);
      }
      expect(stranger.frames).toEqual([]);
    });

    c.it('gives the events of a stream offsets of one epoch that grow, after the offset auth reported', [], async () => {
      const { peer, result } = await c.login('alice');
      for (const type of ['n1', 'n2', 'n3']) await c.target().notify('alice', type);
      for (const type of ['b1', 'b2', 'b3']) await c.target().broadcast(type);
      await peer.find(eventOf('notification', 'n3'));
      await peer.find(eventOf('broadcast', 'b3'));
      expect(peer.of('notification').map((f) => f.params.type)).toEqual(['n1', 'n2', 'n3']);
      expect(peer.of('broadcast').map((f) => f.params.type)).toEqual(['b1', 'b2', 'b3']);
      expectIncreasing(result.offsets.user, peer.of('notification').map((f) => f.params.offset));
      expectIncreasing(result.offsets.broadcast, peer.of('broadcast').map((f) => f.params.offset));
    });
  });
}
