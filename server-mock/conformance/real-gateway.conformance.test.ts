/**
 * The protocol conformance suite (src/testing/conformance/suite.ts) against the real gateway:
 * `startSystem` with the embedded broker, a worker, real sockets and real JWTs. It must
 * support every feature: the fakes are measured against what passes here.
 *
 * Run: `npx vitest run --project node conformance` (or `npx vitest run conformance` for every target).
 */
import { SignJWT } from 'jose';
import { nanoid } from 'nanoid';
import { WebSocket } from 'ws';
import * as z from 'zod';
import { RpcError } from '../../src/protocol/rpc-error.ts';
import { conformanceSuite, ECHO, EVERYTHING, FAIL } from '../../src/testing/conformance/suite.ts';
import { createMemoryBroker } from '../broker/memory.ts';
import { SECRET, startSystem } from '../testing/system.ts';
import { defineMethod } from '../worker/define.ts';
import { lossyBroker } from './lossy-broker.ts';

/** Short enough to trim in a scenario, long enough for every replay the suite asks for. */
const HISTORY = 8;

const methods = [
  defineMethod(ECHO, { params: z.unknown(), result: z.unknown() }, (params) => params),
  defineMethod(FAIL.method, { params: z.unknown(), result: z.never() }, () => {
    throw new RpcError(FAIL.code, FAIL.message, FAIL.data);
  }),
];

conformanceSuite('the real gateway', {
  features: EVERYTHING,
  async start() {
    const lossy = lossyBroker(createMemoryBroker({ prefix: `conf-${nanoid(6)}:`, historyMaxLen: HISTORY }));
    const { broker } = lossy;
    // Short, so the ping scenario sees two pings quickly; not shorter, since the gateway drops a
    // socket whose pong is a heartbeat late, and a busy test machine can lag that much.
    const system = await startSystem({ broker, methods, gateway: { heartbeatMs: 300 } });
    const fill = async (target: Parameters<typeof broker.publish>[0]) => {
      for (let i = 0; i <= HISTORY; i++) await broker.publish(target, { type: 'filler', event: 'filler' });
    };
    return {
      url: system.gateway.url,
      open: (url, protocols) => new WebSocket(url, protocols),
      token: (user) => system.token(user),
      badToken: 'not-a-jwt',
      notify: async (user, type, data) => void (await broker.publish({ kind: 'user', user }, { type, data })),
      broadcast: async (type, data) => void (await broker.publish({ kind: 'broadcast' }, { type, data })),
      toRoom: async (room, event, data) => void (await broker.publish({ kind: 'room', room }, { event, data })),
      // Centrifugo's rule, which the gateway always applies: `…#alice` admits alice only.
      forbiddenRoom: 'diary#alice',
      // More events than the history keeps: what came before them is trimmed.
      trim: (stream) => fill(stream),
      loseLive: (user) => lossy.cut({ kind: 'user', user }, () => fill({ kind: 'user', user })),
      // Issued a minute ago and valid for seconds more: the gateway's notice is due at once.
      expiringToken: (user) => {
        const now = Math.floor(Date.now() / 1000);
        return new SignJWT({})
          .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
          .setSubject(user)
          .setIssuedAt(now - 60)
          .setExpirationTime(now + 5)
          .sign(new TextEncoder().encode(SECRET));
      },
      async stop() {
        await system.stop();
        await broker.close();
      },
    };
  },
});
