import { describe, expect, it } from 'vitest';
import { allowedUsers, isPrivateRoom, personalChannelUser } from './channel-names.ts';
import { globMatch, matchesAny } from './glob.ts';

describe('globMatch', () => {
  it.each([
    ['game_*', 'game_1', true],
    ['game_*', 'game_', true],
    ['game_*', 'games', false],
    ['*', 'anything at all', true],
    ['*', '', true],
    ['lobby', 'lobby', true],
    ['lobby', 'lobby2', false],
    ['a*b*c', 'aXXbYYc', true],
    ['a*b*c', 'aXXbYY', false],
    ['*.chat', 'team.chat', true],
    ['team.*', 'teamXchat', false],
    ['[abc]', '[abc]', true],
    ['(x|y)+', 'x', false],
  ])('%j against %j: %s', (pattern, name, expected) => {
    expect(globMatch(pattern, name)).toBe(expected);
  });

  it('treats regular-expression characters as themselves', () => {
    expect(globMatch('^room$', '^room$')).toBe(true);
    expect(globMatch('room.?', 'room.?')).toBe(true);
    expect(globMatch('room.?', 'roomab')).toBe(false);
  });

  it('stays fast on patterns built to backtrack (a token may carry them)', () => {
    const pattern = `${'*a'.repeat(100)}b`;
    const name = 'a'.repeat(200);
    const t0 = performance.now();
    expect(globMatch(pattern, name)).toBe(false);
    expect(performance.now() - t0).toBeLessThan(200);
  });

  it('matchesAny is true when one pattern matches', () => {
    expect(matchesAny(['x', 'game_*'], 'game_2')).toBe(true);
    expect(matchesAny([], 'game_2')).toBe(false);
  });
});

describe('channel names', () => {
  it('reads $ rooms as private', () => {
    expect(isPrivateRoom('$board')).toBe(true);
    expect(isPrivateRoom('board$')).toBe(false);
  });

  it('reads the users of a # room after its last #', () => {
    expect(allowedUsers('dialog#alice,bob')).toEqual(['alice', 'bob']);
    expect(allowedUsers('a#b#carol')).toEqual(['carol']);
    expect(allowedUsers('lobby')).toBeUndefined();
    expect(allowedUsers('nobody#')).toEqual(['']);
  });

  it("maps django-cfg's personal channels to one user, and nothing else", () => {
    expect(personalChannelUser('user#42')).toBe('42');
    expect(personalChannelUser('notifications#user#42')).toBe('42');
    expect(personalChannelUser('user#42,43')).toBeUndefined();
    expect(personalChannelUser('user#')).toBeUndefined();
    expect(personalChannelUser('dialog#42')).toBeUndefined();
    expect(personalChannelUser('x#user#42')).toBeUndefined();
    expect(personalChannelUser('broadcast')).toBeUndefined();
  });
});
