/**
 * Every system the RPC suite compares, behind one shape: `open()` gives a connection whose
 * `call(n)` sends the bench payload and resolves with the answer. Tether is the client core
 * (in Node, on `ws`) through the gateway and a worker; the floors and peers do the least
 * their design allows for the same round trip.
 */
import { nanoid } from 'nanoid';
import { Redis } from 'ioredis';
import { io } from 'socket.io-client';
import { WebSocket } from 'ws';
import { createClient } from '../../src/core/client.ts';
import { parseRead } from '../../server-mock/broker/redis-shared.ts';
import { payload } from '../servers/bench-methods.ts';
import { startChild, type Child } from './children.ts';
import { localRedisPid, type Proc } from './cpu.ts';
import { dropPrefix } from './redis-cleanup.ts';
import { benchToken, startTether, type BrokerKind, type TetherUnderTest } from './tether.ts';

export interface Connection {
  call(n: number): Promise<unknown>;
  close(): void;
}

export interface System {
  /** Opens one connection (a socket, or for the Redis floors a requester). */
  open(): Promise<Connection>;
  /** Its processes, the benchmark process (its client side) first, for CPU per call. */
  procs: Proc[];
  stop(): Promise<void>;
}

export type SystemName = 'tether-memory' | 'tether-redis' | 'ws' | 'socket.io' | 'redis-stream' | 'redis-blpop';

/** `started`: a Tether already started (`startTether`), for a suite that also reads its processes. */
export async function startSystem(name: SystemName, redisUrl: string, started?: TetherUnderTest): Promise<System> {
  switch (name) {
    case 'tether-memory':
    case 'tether-redis':
      return tether(name === 'tether-memory' ? 'memory' : 'redis', redisUrl, started);
    case 'ws':
      return rawWs(await startChild('ws-echo'));
    case 'socket.io':
      return socketIo(await startChild('socketio'));
    case 'redis-stream':
    case 'redis-blpop':
      return redisFloor(name === 'redis-stream' ? 'stream' : 'blpop', redisUrl);
  }
}

async function tether(broker: BrokerKind, redisUrl: string, started?: TetherUnderTest): Promise<System> {
  const server = started ?? (await startTether(broker, redisUrl));
  let users = 0;
  const redisPid = broker === 'redis' ? await localRedisPid(redisUrl) : undefined;
  const procs: Proc[] = [
    { role: 'client', pid: 'self' },
    ...(server.worker
      ? [
          { role: 'gateway', pid: server.gateway.pid },
          { role: 'worker', pid: server.worker.pid },
        ]
      : [{ role: 'gateway + worker', pid: server.gateway.pid }]),
    ...(redisPid ? [{ role: 'Redis', pid: redisPid }] : []),
  ];
  return {
    procs,
    async open() {
      const user = `bench-${++users}`;
      const client = createClient({ url: server.url, token: () => benchToken(user), WebSocket });
      await new Promise<void>((resolve, reject) => {
        const off = client.on('state', (e) => {
          if (e.to === 'connected') resolve();
          else if (e.to === 'closed' || e.to === 'unauthorized') reject(new Error(`client ${e.to}`));
          else return;
          off();
        });
      });
      return { call: (n) => client.call('bench.echo', payload(n)), close: () => client.close() };
    },
    stop: () => server.stop(),
  };
}

/** A JSON-RPC-shaped echo with ids matched to answers: the least an RPC client over `ws` does. */
async function rawWs(server: Child): Promise<System> {
  return {
    procs: [
      { role: 'client', pid: 'self' },
      { role: 'server', pid: server.pid },
    ],
    async open() {
      const ws = new WebSocket(`ws://127.0.0.1:${server.port}`, { perMessageDeflate: false });
      await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
      const waiting = new Map<number, (v: unknown) => void>();
      ws.on('message', (data) => {
        const m = JSON.parse(String(data)) as { id: number; params: unknown };
        waiting.get(m.id)?.(m.params);
        waiting.delete(m.id);
      });
      return {
        call: (n) =>
          new Promise((resolve) => {
            waiting.set(n, resolve);
            ws.send(JSON.stringify({ jsonrpc: '2.0', id: n, method: 'bench.echo', params: payload(n) }));
          }),
        close: () => ws.close(),
      };
    },
    stop: () => server.kill(),
  };
}

async function socketIo(server: Child): Promise<System> {
  return {
    procs: [
      { role: 'client', pid: 'self' },
      { role: 'server', pid: server.pid },
    ],
    async open() {
      const socket = io(`http://127.0.0.1:${server.port}`, { transports: ['websocket'], forceNew: true });
      await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('connect_error', reject));
      return { call: (n) => socket.emitWithAck('echo', payload(n)), close: () => socket.close() };
    },
    stop: () => server.kill(),
  };
}

/**
 * The Redis floors, requester side (the part a gateway plays). `stream`: XADD the request,
 * one blocking XREAD loop on its own reply stream, XDEL what it read, as Tether's gateway
 * does. `blpop`: the seed's per-call reply list, which needs a blocked connection per call
 * in flight, so connections come from a pool that grows to the number in flight.
 */
async function redisFloor(mode: 'stream' | 'blpop', redisUrl: string): Promise<System> {
  const prefix = `bench-floor-${nanoid(6)}:`;
  const worker = await startChild('redis-worker', { MODE: mode, PREFIX: prefix, REDIS_URL: redisUrl });
  const stream = `${prefix}rpc`;
  const connections: Redis[] = [];
  const connect = () => {
    // RESP2: the reply shapes `parseRead` reads, as the broker's own connections.
    const r = new Redis(redisUrl, { protocol: 2 });
    connections.push(r);
    return r;
  };
  const cmd = connect();

  let open: () => Promise<Connection>;
  if (mode === 'stream') {
    const replyTo = `${prefix}reply:g1`;
    const waiting = new Map<string, (v: unknown) => void>();
    const reader = connect();
    let running = true;
    void (async () => {
      let last = '0-0';
      while (running) {
        const entries = parseRead(await reader.call('XREAD', 'COUNT', 100, 'BLOCK', 1000, 'STREAMS', replyTo, last).catch(() => null));
        if (entries.length === 0) continue;
        for (const e of entries) {
          last = e.id;
          const reply = JSON.parse(e.fields.payload ?? '{}') as { id: string; result: unknown };
          waiting.get(reply.id)?.(reply.result);
          waiting.delete(reply.id);
        }
        await cmd.call('XDEL', replyTo, ...entries.map((e) => e.id));
      }
    })();
    connections.push({ disconnect: () => (running = false) } as unknown as Redis);
    open = async () => ({
      call: (n) =>
        new Promise((resolve, reject) => {
          const id = `c${n}`;
          waiting.set(id, resolve);
          cmd.call('XADD', stream, 'MAXLEN', '~', 100_000, '*', 'payload', JSON.stringify({ id, replyTo, params: payload(n) })).catch(reject);
        }),
      close: () => {},
    });
  } else {
    const idle: Redis[] = [];
    open = async () => ({
      async call(n) {
        const id = nanoid();
        const replyTo = `${prefix}response:${id}`;
        const blocker = idle.pop() ?? connect();
        try {
          await cmd.call('XADD', stream, 'MAXLEN', '~', 100_000, '*', 'payload', JSON.stringify({ id, replyTo, params: payload(n) }));
          const popped = (await blocker.call('BLPOP', replyTo, 30)) as [string, string] | null;
          if (!popped) throw new Error('no reply within 30 s');
          void cmd.del(replyTo);
          return (JSON.parse(popped[1]) as { result: unknown }).result;
        } finally {
          idle.push(blocker);
        }
      },
      close: () => {},
    });
  }
  const redisPid = await localRedisPid(redisUrl);
  return {
    open,
    procs: [
      { role: 'client', pid: 'self' },
      { role: 'worker', pid: worker.pid },
      ...(redisPid ? [{ role: 'Redis', pid: redisPid }] : []),
    ],
    async stop() {
      await worker.request('stop').catch(() => {});
      await worker.kill();
      for (const c of connections) c.disconnect();
      await dropPrefix(redisUrl, prefix);
    },
  };
}
