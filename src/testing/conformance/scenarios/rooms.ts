/**
 * Scenarios: rooms. The client learns who is in a room only from `presence` frames (one per
 * member after its join, then one per arrival and departure), and takes the join's `offset`
 * as its position in the room's stream.
 */
import { describe, expect } from 'vitest';
import { RoomJoinResult } from '../../../protocol/server-frames.ts';
import { PresenceResult } from '../../../protocol/unread-results.ts';
import type { Ctx } from '../context.ts';
import { OFFSET, type Json, type Peer } from '../peer.ts';

const presence = (room: string, change: 'joined' | 'left', user: string) => (f: Json) =>
  f.method === 'presence' && f.params?.room === room && f.params?.[change] === user;

/** Join `room` and check the answer. */
export async function join(peer: Peer, room: string, since?: string) {
  const answer = await peer.request('rooms.join', since ? { room, since } : { room });
  expect(answer, 'rooms.join is answered with a result').toMatchObject({ result: { room } });
  const checked = RoomJoinResult.safeParse(answer.result);
  expect(checked.success ? [] : checked.error.issues, 'the join result matches RoomJoinResult').toEqual([]);
  expect(answer.result.offset).toMatch(OFFSET);
  return answer.result as { room: string; offset: string; recovered: boolean };
}

export function roomScenarios(c: Ctx) {
  describe('rooms', () => {
    c.it('answers rooms.join with the room, its offset and recovered, then one presence frame per member', ['rooms'], async () => {
      const alice = await c.login('alice');
      expect(await join(alice.peer, 'lobby')).toMatchObject({ recovered: true });
      await alice.peer.find(presence('lobby', 'joined', 'alice'));

      const bob = await c.login('bob');
      await join(bob.peer, 'lobby');
      await bob.peer.find(presence('lobby', 'joined', 'alice'));
      await bob.peer.find(presence('lobby', 'joined', 'bob'));
      // The members already there hear of the newcomer.
      await alice.peer.find(presence('lobby', 'joined', 'bob'));
      const answer = bob.peer.frames.findIndex((f) => f.result?.room === 'lobby');
      expect(bob.peer.frames.findIndex((f) => f.method === 'presence'), 'presence comes after the join answer').toBeGreaterThan(answer);
    });

    c.it("delivers a room's messages to its members only, with the room, an offset and ts", ['rooms'], async () => {
      const alice = await c.login('alice');
      const carol = await c.login('carol');
      await join(alice.peer, 'lobby');
      await c.target().toRoom!('lobby', 'chat', { text: 'hi' });
      const got = await alice.peer.find((f) => f.method === 'room.message');
      expect(got.params).toMatchObject({ room: 'lobby', event: 'chat', data: { text: 'hi' }, ts: expect.any(Number) });
      await c.target().notify('carol', 'barrier');
      expect((await carol.peer.next()).params).toMatchObject({ type: 'barrier' });
    });

    c.it('answers rooms.publish with the offset of the message it delivers to the members, stamped with the sender', ['rooms'], async () => {
      const alice = await c.login('alice');
      const bob = await c.login('bob');
      await join(alice.peer, 'lobby');
      await join(bob.peer, 'lobby');
      const sent = await alice.peer.request('rooms.publish', { room: 'lobby', event: 'chat', data: { text: 'hi' } });
      expect(sent).toMatchObject({ result: { offset: expect.stringMatching(OFFSET) } });
      for (const { peer } of [alice, bob]) {
        const got = await peer.find((f) => f.method === 'room.message');
        expect(got.params).toMatchObject({ room: 'lobby', event: 'chat', data: { text: 'hi' }, from: 'alice', offset: sent.result.offset, ts: expect.any(Number) });
      }
    });

    c.it('answers presence.get with the users in the room', ['rooms'], async () => {
      const alice = await c.login('alice');
      const bob = await c.login('bob');
      await join(alice.peer, 'lobby');
      await join(bob.peer, 'lobby');
      await alice.peer.find(presence('lobby', 'joined', 'bob'));
      const answer = await alice.peer.request('presence.get', { room: 'lobby' });
      expect(PresenceResult.safeParse(answer.result).success, JSON.stringify(answer)).toBe(true);
      expect(answer.result.room).toBe('lobby');
      expect([...answer.result.members].sort()).toEqual(['alice', 'bob']);
    });

    c.it('refuses to join a room the room policy forbids with -32002, and delivers nothing of it', ['rooms'], async () => {
      const room = c.target().forbiddenRoom!;
      const bob = await c.login('bob');
      expect(await bob.peer.request('rooms.join', { room })).toMatchObject({ error: { code: -32002 } });
      await c.target().toRoom!(room, 'secret');
      await c.target().notify('bob', 'barrier');
      await bob.peer.find((f) => f.method === 'notification');
      expect(bob.peer.of('room.message')).toEqual([]);
      expect(bob.peer.of('presence')).toEqual([]);
    });

    c.it('answers rooms.leave with the room, tells the others, and delivers none of its messages after', ['rooms'], async () => {
      const alice = await c.login('alice');
      const bob = await c.login('bob');
      await join(alice.peer, 'lobby');
      await join(bob.peer, 'lobby');
      expect(await bob.peer.request('rooms.leave', { room: 'lobby' })).toMatchObject({ result: { room: 'lobby' } });
      await alice.peer.find(presence('lobby', 'left', 'bob'));
      await c.target().toRoom!('lobby', 'after-leave');
      await alice.peer.find((f) => f.method === 'room.message' && f.params.event === 'after-leave');
      await c.target().notify('bob', 'barrier');
      await bob.peer.find((f) => f.method === 'notification');
      expect(bob.peer.of('room.message')).toEqual([]);
    });
  });
}
