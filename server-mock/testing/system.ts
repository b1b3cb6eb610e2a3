/**
 * A whole system for integration tests: a broker, workers with the demo's methods, a real
 * gateway on a free port, and real clients (the browser core, on `ws`) with real JWTs.
 * Everything it starts is stopped by `stop()`.
 *
 * How to extend: pass gateway options through `gateway`, more methods through `methods`,
 * or start a second gateway on the same broker with `addGateway()`.
 */
import { nanoid } from 'nanoid';
import { WebSocket } from 'ws';
import { createClient, type Client } from '../../src/core/client.ts';
import type { ClientOptions } from '../../src/core/options.ts';
import type { Broker } from '../broker/broker.ts';
import { createMemoryBroker } from '../broker/memory.ts';
import { createRoomTokenVerifier, createVerifier, signDevToken } from '../gateway/auth.ts';
import { startGateway, type GatewayServer, type GatewayServerOptions } from '../gateway/server.ts';
import type { MethodDefinition } from '../worker/define.ts';
import { demoMethods } from '../../demo/methods.ts';
import { createWorker, type Worker } from '../worker/worker.ts';

export const SECRET = 'test-secret-test-secret-test-secret';

export interface SystemOptions {
  broker?: Broker;
  gateway?: Partial<GatewayServerOptions>;
  methods?: MethodDefinition[];
  workers?: number;
}

export async function startSystem(o: SystemOptions = {}) {
  const broker = o.broker ?? createMemoryBroker({ prefix: `t-${nanoid(6)}:` });
  const methods = o.methods ?? demoMethods();
  const workers: Worker[] = Array.from({ length: o.workers ?? 1 }, (_, i) => createWorker({ broker, methods, name: `w${i}` }));
  const gateways: GatewayServer[] = [];
  const clients: Client[] = [];
  const verify = createVerifier({ secret: SECRET });
  // Rooms open to everyone, as in development (the secure default admits none); `$` and `#` rules still apply.
  const rooms = { publicRooms: ['*'], verifyRoomToken: createRoomTokenVerifier({ secret: SECRET }) };
  const addGateway = async (extra: Partial<GatewayServerOptions> = {}) => {
    const gw = await startGateway({ broker, verify, ...rooms, ...o.gateway, ...extra });
    gateways.push(gw);
    return gw;
  };
  const gateway = await addGateway();

  return {
    broker,
    gateway,
    gateways,
    workers,
    addGateway,
    token: (user: string, ttlSec?: number) => signDevToken(SECRET, user, ttlSec),
    /** A client of the browser core, on `ws`, authenticated as `user`. */
    client(user: string, options: Partial<ClientOptions> = {}) {
      const c = createClient({
        url: gateway.url,
        token: () => signDevToken(SECRET, user),
        WebSocket: WebSocket,
        ...options,
      });
      clients.push(c);
      return c;
    },
    async stop() {
      for (const c of clients) c.close();
      await Promise.all(gateways.map((g) => g.close(0)));
      await Promise.all(workers.map((w) => w.stop()));
      if (!o.broker) await broker.close();
    },
  };
}

/** Resolve when `check` holds, polling; fail after `ms`. */
export async function until(check: () => boolean | Promise<boolean>, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** The client's state becomes `state`. */
export const reach = (c: Client, state: string, ms = 3000) => until(() => c.getSnapshot().state === state, ms);
