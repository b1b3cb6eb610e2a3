/**
 * Test harness for the client: one msw server per test file, fake timers in every test,
 * and clients that are closed after each test. `advance(ms)` moves the fake clock and lets
 * the socket's events run.
 */
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, beforeEach, vi } from 'vitest';
import { createClient, type Client } from '../core/client.ts';
import type { Contract } from '../core/contract.ts';
import type { ClientOptions } from '../core/options.ts';
import { fakeEnvironment } from './fake-environment.ts';
import { fakeGateway, type FakeGatewayOptions } from './fake-gateway.ts';

export const advance = (ms = 0) => vi.advanceTimersByTimeAsync(ms);

export function harness() {
  const server = setupServer();
  const clients: Client<Contract>[] = [];
  beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
  afterAll(() => server.close());
  beforeEach(() => {
    vi.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z') });
  });
  afterEach(() => {
    for (const c of clients.splice(0)) c.close();
    server.resetHandlers();
    vi.useRealTimers();
  });

  return {
    gateway: (options?: FakeGatewayOptions) => fakeGateway(server, options),
    /** A client on a fake page environment, recording its state transitions. */
    client<C extends Contract = Contract>(options: Partial<ClientOptions<C>> & { url: ClientOptions<C>['url'] }) {
      const page = fakeEnvironment();
      const client = createClient<C>({ token: 'good', environment: page.env, ...options, autoConnect: false });
      clients.push(client as unknown as Client<Contract>);
      const states: string[] = [client.getSnapshot().state];
      client.on('state', (e) => states.push(e.to));
      if (options.autoConnect !== false) client.connect();
      return { client, page, states };
    },
  };
}
