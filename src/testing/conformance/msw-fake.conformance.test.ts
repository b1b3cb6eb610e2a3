/**
 * The protocol conformance suite (suite.ts) against `src/testing/fake-gateway.ts`, the msw
 * `ws.link` gateway the client's unit tests script, in their environment (happy-dom, where
 * msw intercepts `new WebSocket(url)`), on real timers.
 *
 * Run: `npx vitest run conformance/msw-fake` (or `npx vitest run conformance` for every target).
 */
import { setupServer } from 'msw/node';
import { afterAll, beforeAll } from 'vitest';
import { fakeGateway } from '../fake-gateway.ts';
import { conformanceSuite, ECHO, FAIL, type Stream } from './suite.ts';

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterAll(() => server.close());

const key = (s: Stream) => (s.kind === 'user' ? `user:${s.user}` : s.kind === 'room' ? `room:${s.room}` : 'broadcast');

conformanceSuite('the msw fake gateway', {
  features: {
    pings: true,
    systemPing: true,
    refresh: true,
    rooms: true,
    resume: true,
    resumeRooms: 'the client never resumes rooms in auth (it rejoins them with since), so the fake does not either',
    gap: 'nothing is lost live in one process: tests script gap frames with conn.send',
    tokenExpiring: 'tests script token.expiring with conn.send, at the moment they choose',
  },
  async start() {
    const gw = fakeGateway(server, {
      authorize: (token) => (token.startsWith('user:') ? token.slice(5) : undefined),
      heartbeatMs: 100,
      pings: true,
      forbidden: ['diary#alice'],
    });
    gw.method(ECHO, (params) => params);
    gw.method(FAIL.method, () => {
      throw { code: FAIL.code, message: FAIL.message, data: FAIL.data };
    });
    return {
      url: gw.url,
      open: (url, protocols) => new WebSocket(url, protocols),
      token: async (user) => `user:${user}`,
      badToken: 'refused',
      notify: async (user, type, data) => void gw.notify(user, type, data),
      broadcast: async (type, data) => void gw.broadcast(type, data),
      toRoom: async (room, event, data) => void gw.toRoom(room, event, data),
      forbiddenRoom: 'diary#alice',
      trim: async (stream) => gw.trim(key(stream)),
      async stop() {
        gw.closeAll();
        server.resetHandlers();
      },
    };
  },
});
