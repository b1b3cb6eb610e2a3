/**
 * What every scenario of the conformance suite works with: a fresh target per scenario, raw
 * peers that are closed and checked for protocol problems after it, a login helper, and `it`
 * gated on the target's declared features (skipped with its reason, never passed silently).
 */
import { afterEach, beforeEach, expect, it } from 'vitest';
import { AuthResult } from '../../protocol/server-frames.ts';
import { connectPeer, type Json, type Peer } from './peer.ts';
import type { Feature, Features, Target, TargetDefinition } from './target.ts';

export const SUBPROTOCOL = 'tether.v1';

export interface Ctx {
  name: string;
  target(): Target;
  /** A raw socket offering `protocols` (default `tether.v1`; `null`: none). */
  open(protocols?: string | string[] | null): Peer;
  /** A socket authenticated as `user`; fails unless the first frame after `auth` is its result. */
  login(user: string, resume?: Json): Promise<{ peer: Peer; result: Json }>;
  /** A scenario that needs `needs`: skipped, with the target's reason, when it lacks one. */
  it(title: string, needs: Feature[], fn: () => Promise<void>, timeoutMs?: number): void;
}

export function createContext(name: string, def: TargetDefinition): Ctx {
  let target: Target | undefined;
  let peers: Peer[] = [];

  beforeEach(async () => {
    target = await def.start();
  });
  afterEach(async () => {
    const problems = peers.flatMap((p) => p.problems);
    for (const p of peers) p.close();
    peers = [];
    await target?.stop();
    target = undefined;
    // Checked after every scenario: a frame the schemas refuse fails the scenario that received it.
    expect(problems, 'frames that break the protocol').toEqual([]);
  });

  const missing = (needs: Feature[], features: Features) => needs.filter((f) => features[f] !== true).map((f) => `${f}: ${features[f]}`);

  const ctx: Ctx = {
    name,
    target: () => {
      if (!target) throw new Error('no target: the scenario runs outside its test');
      return target;
    },
    open(protocols = SUBPROTOCOL) {
      const t = ctx.target();
      const peer = connectPeer(t.open, t.url, protocols ?? undefined);
      peers.push(peer);
      return peer;
    },
    async login(user, resume) {
      const peer = ctx.open();
      expect(await peer.opened, 'the upgrade is accepted').toBe(true);
      const token = await ctx.target().token(user);
      peer.send({ jsonrpc: '2.0', id: 'auth', method: 'auth', params: resume ? { token, resume } : { token } });
      const first = await peer.next();
      expect(first, 'the first frame after auth is its answer').toMatchObject({ jsonrpc: '2.0', id: 'auth', result: expect.anything() });
      const checked = AuthResult.safeParse(first.result);
      expect(checked.success ? [] : checked.error.issues, 'the auth result matches AuthResult').toEqual([]);
      return { peer, result: first.result as Json };
    },
    it(title, needs, fn, timeoutMs) {
      const lacking = missing(needs, def.features);
      if (lacking.length) it.skip(`${title} (${name} does not support ${lacking.join('; ')})`, fn);
      else it(title, fn, timeoutMs);
    },
  };
  return ctx;
}
