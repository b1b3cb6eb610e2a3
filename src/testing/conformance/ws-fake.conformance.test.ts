// @vitest-environment node
/**
 * The protocol conformance suite (suite.ts) against `e2e/support/fake-gateway.ts`, the `ws`
 * server on a real port that `src/core/node-ws.test.ts` and the browser test
 * `e2e/plain-import.spec.ts` use. It keeps no history and has no rooms: the subset below.
 *
 * Run: `npx vitest run conformance/ws-fake` (or `npx vitest run conformance` for every target).
 */
import { WebSocket } from 'ws';
import { startFakeGateway } from '../../../e2e/support/fake-gateway.ts';
import { conformanceSuite, ECHO, FAIL } from './suite.ts';

conformanceSuite('the ws fake gateway', {
  features: {
    pings: true,
    systemPing: true,
    refresh: true,
    rooms: 'the browser tests it serves use no rooms',
    resume: 'it keeps no history: every resume is answered recovered false, which the suite checks',
    resumeRooms: 'no rooms',
    gap: 'no history and no broker, so nothing is ever lost live',
    tokenExpiring: 'its tokens are plain names with no expiry',
  },
  async start() {
    const gateway = await startFakeGateway({
      authorize: (token) => (token.startsWith('user:') ? token.slice(5) : undefined),
      heartbeatMs: 100,
      methods: {
        [ECHO]: (params) => params,
        [FAIL.method]: () => {
          throw { code: FAIL.code, message: FAIL.message, data: FAIL.data };
        },
      },
    });
    return {
      url: gateway.url,
      open: (url, protocols) => new WebSocket(url, protocols),
      token: async (user) => `user:${user}`,
      badToken: 'refused',
      notify: async (user, type, data) => gateway.notify(user, type, data),
      broadcast: async (type, data) => gateway.broadcast(type, data),
      stop: () => gateway.close(),
    };
  },
});
