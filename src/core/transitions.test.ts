import { describe, expect, it } from 'vitest';
import { isIn, LIVE, mayGo, STOPPED, WAITING, type ConnectionState } from './transitions.ts';

const all: ConnectionState[] = ['idle', 'connecting', 'authenticating', 'connected', 'reconnecting', 'offline', 'unauthorized', 'closed'];
const next = (from: ConnectionState) => all.filter((to) => to !== from && mayGo(from, to));

describe('the transition table', () => {
  it('reaches every state from idle', () => {
    const seen = new Set<ConnectionState>(['idle']);
    for (const s of seen) for (const to of next(s)) seen.add(to);
    expect([...seen].sort()).toEqual([...all].sort());
  });

  it('can close from every state, and start again only by connecting', () => {
    for (const s of all) if (s !== 'closed') expect(mayGo(s, 'closed'), s).toBe(true);
    expect(next('closed')).toEqual(['connecting']);
  });

  it('connects only through authenticating, and never goes back to idle', () => {
    expect(all.filter((s) => mayGo(s, 'connected') && s !== 'connected')).toEqual(['authenticating']);
    expect(all.filter((s) => s !== 'idle' && mayGo(s, 'idle'))).toEqual([]);
  });

  it('puts every state in exactly one group', () => {
    for (const s of all) expect([LIVE, WAITING, STOPPED].filter((g) => isIn(s, g)), s).toHaveLength(1);
  });
});
