/**
 * Scenarios: resuming streams, and holes in them (docs/protocol.md, "Offsets, epochs and
 * recovery"). The client decides what to refetch from `recovered` before it reads any replayed
 * event, so the answer must come first; it drops duplicates by offset, but only a gateway can
 * make "in order, exactly once" hold, which a live event sent after the replay shows here.
 * A target without history must still answer `recovered: false`, never pretend.
 */
import { describe, expect } from 'vitest';
import { compareOffsets } from '../../../protocol/offsets.ts';
import type { Ctx } from '../context.ts';
import type { Json, Peer } from '../peer.ts';
import { expectIncreasing } from './events.ts';
import { join } from './rooms.ts';

/** The frames of `method` that came after `frame`. */
const after = (peer: Peer, frame: Json, method: string) => peer.frames.slice(peer.frames.indexOf(frame) + 1).filter((f) => f.method === method);
/** The `type`s (or room `event`s) of event frames. */
const names = (frames: Json[]) => frames.map((f) => f.params.type ?? f.params.event);

/** Log `user` in, see one notification and one broadcast, and leave: their offsets. */
async function seeOneOfEach(c: Ctx, user: string) {
  const { peer } = await c.login(user);
  await c.target().notify(user, 'seen');
  await c.target().broadcast('seen');
  const mine = (await peer.find((f) => f.method === 'notification')).params.offset as string;
  const everyone = (await peer.find((f) => f.method === 'broadcast')).params.offset as string;
  peer.close();
  await peer.closedWithin();
  return { user: mine, broadcast: everyone };
}

export function recoveryScenarios(c: Ctx) {
  describe('resume', () => {
    c.it('answers a resuming auth before any replayed event, then replays what was missed in order, exactly once', ['resume'], async () => {
      const last = await seeOneOfEach(c, 'alice');
      await c.target().notify('alice', 'missed-1');
      await c.target().broadcast('missed-b');
      await c.target().notify('alice', 'missed-2');

      const { peer, result } = await c.login('alice', last);
      expect(result.recovered).toMatchObject({ user: true, broadcast: true });
      // Live events after the replay: whatever came twice would come before them.
      await c.target().notify('alice', 'live');
      await c.target().broadcast('live-b');
      await peer.find((f) => f.method === 'notification' && f.params.type === 'live');
      await peer.find((f) => f.method === 'broadcast' && f.params.type === 'live-b');
      expect(names(peer.of('notification'))).toEqual(['missed-1', 'missed-2', 'live']);
      expect(names(peer.of('broadcast'))).toEqual(['missed-b', 'live-b']);
      expectIncreasing(last.user, peer.of('notification').map((f) => f.params.offset));
      expectIncreasing(last.broadcast, peer.of('broadcast').map((f) => f.params.offset));
    });

    c.it('answers recovered false and replays nothing for offsets of an unknown epoch', [], async () => {
      await seeOneOfEach(c, 'alice');
      await c.target().notify('alice', 'missed');
      await c.target().broadcast('missed-b');
      const { peer, result } = await c.login('alice', { user: 'no-such-epoch:1-0', broadcast: 'no-such-epoch:1-0' });
      expect(result.recovered).toMatchObject({ user: false, broadcast: false });
      await c.target().notify('alice', 'live');
      await c.target().broadcast('live-b');
      await peer.find((f) => f.method === 'notification' && f.params.type === 'live');
      await peer.find((f) => f.method === 'broadcast' && f.params.type === 'live-b');
      expect(names(peer.of('notification'))).toEqual(['live']);
      expect(names(peer.of('broadcast'))).toEqual(['live-b']);
      // The client continues from the tips the result gives.
      expectIncreasing(result.offsets.user, peer.of('notification').map((f) => f.params.offset));
    });

    c.it('answers recovered false and replays nothing for an offset whose events were trimmed', ['resume'], async () => {
      const last = await seeOneOfEach(c, 'alice');
      await c.target().notify('alice', 'missed');
      await c.target().trim!({ kind: 'user', user: 'alice' });
      const { peer, result } = await c.login('alice', { user: last.user });
      expect(result.recovered).toMatchObject({ user: false });
      await c.target().notify('alice', 'live');
      await peer.find((f) => f.method === 'notification' && f.params.type === 'live');
      expect(names(peer.of('notification'))).toEqual(['live']);
    });

    c.it('answers a rejoin with since before replaying the missed room messages, in order, exactly once', ['rooms', 'resume'], async () => {
      const first = await c.login('alice');
      await join(first.peer, 'lobby');
      await c.target().toRoom!('lobby', 'one');
      const since = (await first.peer.find((f) => f.method === 'room.message')).params.offset as string;
      first.peer.close();
      await first.peer.closedWithin();
      await c.target().toRoom!('lobby', 'two');
      await c.target().toRoom!('lobby', 'three');

      const { peer } = await c.login('alice');
      const answer = peer.request('rooms.join', { room: 'lobby', since });
      expect((await answer).result).toMatchObject({ room: 'lobby', recovered: true });
      await c.target().toRoom!('lobby', 'four');
      await peer.find((f) => f.method === 'room.message' && f.params.event === 'four');
      expect(names(after(peer, await answer, 'room.message')), 'everything replayed comes after the answer').toEqual(['two', 'three', 'four']);
      expect(names(peer.of('room.message'))).toEqual(['two', 'three', 'four']);
      expectIncreasing(since, peer.of('room.message').map((f) => f.params.offset));
    });

    c.it('resumes the rooms of an auth frame: recovered.rooms first, then their missed messages', ['rooms', 'resumeRooms'], async () => {
      const first = await c.login('alice');
      await join(first.peer, 'lobby');
      await c.target().toRoom!('lobby', 'one');
      const since = (await first.peer.find((f) => f.method === 'room.message')).params.offset as string;
      first.peer.close();
      await first.peer.closedWithin();
      await c.target().toRoom!('lobby', 'two');

      const { peer, result } = await c.login('alice', { rooms: { lobby: since } });
      expect(result.recovered.rooms).toEqual({ lobby: true });
      await c.target().toRoom!('lobby', 'three');
      await peer.find((f) => f.method === 'room.message' && f.params.event === 'three');
      expect(names(peer.of('room.message'))).toEqual(['two', 'three']);
    });
  });

  describe('gap', () => {
    c.it('tells a live socket gap for its stream before the first event after a hole', ['gap'], async () => {
      const { peer } = await c.login('alice');
      await c.target().notify('alice', 'before');
      await peer.find((f) => f.method === 'notification');
      await c.target().loseLive!('alice');
      await c.target().notify('alice', 'after');
      const next = await peer.find((f) => f.method === 'notification' && f.params.type === 'after');
      const gaps = peer.of('gap');
      expect(gaps).toHaveLength(1);
      expect(gaps[0]!.params).toMatchObject({ stream: 'user' });
      expect(peer.frames.indexOf(gaps[0]!), 'the gap comes before the event after the hole').toBeLessThan(peer.frames.indexOf(next));
      expect(names(peer.of('notification')), 'none of the lost events').toEqual(['before', 'after']);
      expect(compareOffsets(next.params.offset, gaps[0]!.params.offset)).toBeGreaterThan(0);
    });
  });
}
