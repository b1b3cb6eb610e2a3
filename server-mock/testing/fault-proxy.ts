/**
 * A TCP fault proxy for the chaos tests: one listening port in front of one or more
 * upstreams (gateways), forwarding bytes until told to misbehave. New connections go
 * round-robin over the upstreams, skipping one that refuses, so two gateways behind it look
 * like two gateways behind a load balancer.
 *
 * Faults, switchable at run time:
 * - `pass()`: forward (what was held is flushed or dropped, as asked);
 * - `hold()`: connections stay open but no byte moves either way; bytes and closes are held,
 *   as in a network partition where TCP stays up;
 * - `refuse()`: new connections are reset at once, existing ones carry on;
 * - `reset()`: every current connection is destroyed with an RST;
 * - `latency(ms)`: each chunk is delayed by `ms`;
 * - `pauseDownstream(id?)`: stop reading what the upstream sends to one connection (or all),
 *   so TCP backpressure builds up at the upstream: a slow consumer, as the gateway sees it.
 *
 * How to extend: a fault that acts on new connections goes in `accept`; one that acts on
 * bytes in flight is a check in `Direction.data`/`Direction.flow`; one that acts on the
 * connections there are is a loop over `links`.
 */
import { connect, createServer, type Socket } from 'node:net';

/** What `pass()` does with the bytes held during `hold()`. */
export type HeldBytes = 'flush' | 'drop';

export interface ProxyStats {
  /** Connections accepted and joined to an upstream. */
  accepted: number;
  /** Connections reset at once because the proxy was refusing. */
  refused: number;
  /** Connections dropped because no upstream accepted them. */
  unrouted: number;
  /** Connections destroyed by `reset()`. */
  reset: number;
  /** Connections open now. */
  live: number;
  /** Connections accepted per upstream (`host:port`). */
  perUpstream: Record<string, number>;
}

export interface ProxyConnection {
  id: number;
  upstream: string;
  downstreamPaused: boolean;
}

export interface FaultProxy {
  readonly port: number;
  /** `ws://127.0.0.1:<port>` */
  readonly url: string;
  /** `pass`, `hold`, `refuse`, or `hold+refuse`; latency and paused downstreams are not modes. */
  readonly mode: string;
  /** Forward again and accept new connections; what was held is flushed or dropped. */
  pass(held?: HeldBytes): void;
  /** Hold every byte and close, of current and new connections, until `pass`. */
  hold(): void;
  /** Reset new connections at once; current ones carry on as they were (held or not). */
  refuse(): void;
  /** Destroy every current connection abruptly; returns how many. */
  reset(): number;
  /** Delay every chunk by `ms` from now on (0: none). */
  latency(ms: number): void;
  /** Stop reading from the upstream of connection `id`, or of every connection, present and future. */
  pauseDownstream(id?: number): void;
  resumeDownstream(id?: number): void;
  /** Connections open now. */
  connections(): ProxyConnection[];
  stats(): ProxyStats;
  close(): Promise<void>;
}

interface Options {
  /** `host:port` of each upstream. */
  upstreams: string[];
  /** What `pass()` does with held bytes when not told. @default 'flush' */
  held?: HeldBytes;
}

/** How a side went away while its bytes were held. */
type Ending = 'end' | 'reset' | undefined;

/** One direction of one connection: from `from` to `to`, with what is held or delayed on the way. */
class Direction {
  held: Buffer[] = [];
  heldEnding: Ending;
  private delayed: { chunk: Buffer | Ending; due: number }[] = [];
  private timer: NodeJS.Timeout | undefined;
  private blocked = false;
  /** Set by `pauseDownstream` on the upstream→client direction. */
  paused = false;

  constructor(
    readonly from: Socket,
    readonly to: Socket,
    private readonly proxy: { holding(): boolean; latencyMs(): number },
  ) {}

  data(chunk: Buffer) {
    if (this.proxy.holding()) this.held.push(chunk);
    else this.send(chunk);
  }

  /** The source ended (`end`) or died (`reset`). */
  ending(how: Exclude<Ending, undefined>) {
    if (this.proxy.holding()) this.heldEnding ??= how;
    else this.send(how);
  }

  /** Release what was held, forwarding or discarding it. */
  release(held: HeldBytes) {
    const chunks = this.held;
    const ending = this.heldEnding;
    this.held = [];
    this.heldEnding = undefined;
    if (held === 'flush') {
      for (const c of chunks) this.send(c);
      if (ending) this.send(ending);
    } else if (ending) {
      // The other side is gone and what it said is lost: as a healed partition finds it, reset.
      this.send('reset');
    }
  }

  private send(item: Buffer | Ending) {
    const ms = this.proxy.latencyMs();
    // Anything already delayed goes first, whatever the latency is now: bytes never overtake.
    if (ms <= 0 && this.delayed.length === 0) return this.write(item);
    this.delayed.push({ chunk: item, due: Date.now() + ms });
    this.schedule();
  }

  private schedule() {
    if (this.timer || this.delayed.length === 0) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      while (this.delayed.length && this.delayed[0]!.due <= Date.now()) this.write(this.delayed.shift()!.chunk);
      this.schedule();
    }, Math.max(0, this.delayed[0]!.due - Date.now()));
  }

  private write(item: Buffer | Ending) {
    const to = this.to;
    if (to.destroyed) return;
    if (item === 'reset') return void to.resetAndDestroy();
    if (item === 'end' || item === undefined) return void to.end();
    // One 'drain' listener per blocked spell, however many writes it takes to fill the buffer.
    if (!to.write(item) && !this.blocked) {
      this.blocked = true;
      this.flow();
      to.once('drain', () => {
        this.blocked = false;
        this.flow();
      });
    }
  }

  /** Read from the source unless the destination pushes back or the downstream is paused. */
  flow() {
    if (this.from.destroyed) return;
    if (this.blocked || this.paused) this.from.pause();
    else this.from.resume();
  }

  stop() {
    clearTimeout(this.timer);
  }
}

interface Link {
  id: number;
  upstream: string;
  client: Socket;
  server: Socket;
  up: Direction;
  down: Direction;
}

export async function startFaultProxy(o: Options): Promise<FaultProxy> {
  if (o.upstreams.length === 0) throw new Error('startFaultProxy: no upstream');
  const defaultHeld = o.held ?? 'flush';
  let holding = false;
  let refusing = false;
  let latencyMs = 0;
  let pauseAll = false;
  let next = 0;
  let ids = 0;
  const links = new Map<number, Link>();
  const pending = new Set<Socket>();
  const stats: Omit<ProxyStats, 'live'> = { accepted: 0, refused: 0, unrouted: 0, reset: 0, perUpstream: {} };
  const shared = { holding: () => holding, latencyMs: () => latencyMs };

  /**
   * Connect to the upstreams in turn, from `first` (this connection's place in the rotation);
   * the first that accepts wins. Each connection walks the list from its own place, so
   * connections routed at the same time cannot push one another past a live upstream.
   */
  function route(client: Socket, first: number, tries = 0) {
    if (client.destroyed) return pending.delete(client);
    if (tries === o.upstreams.length) {
      pending.delete(client);
      stats.unrouted++;
      return void client.resetAndDestroy();
    }
    const index = (first + tries) % o.upstreams.length;
    const upstream = o.upstreams[index]!;
    const [host, port] = splitHostPort(upstream);
    const server = connect({ host, port, allowHalfOpen: true });
    server.once('error', () => route(client, first, tries + 1));
    server.once('connect', () => {
      server.removeAllListeners('error');
      // The rotation goes on after the upstream that answered, so a dead one costs one try, not every other turn.
      next = index + 1;
      pending.delete(client);
      if (client.destroyed) return void server.destroy();
      join(client, server, upstream);
    });
  }

  function join(client: Socket, server: Socket, upstream: string) {
    const id = ++ids;
    const link: Link = { id, upstream, client, server, up: new Direction(client, server, shared), down: new Direction(server, client, shared) };
    link.down.paused = pauseAll;
    links.set(id, link);
    stats.accepted++;
    stats.perUpstream[upstream] = (stats.perUpstream[upstream] ?? 0) + 1;
    for (const [socket, dir] of [
      [client, link.up],
      [server, link.down],
    ] as const) {
      socket.setNoDelay(true);
      socket.on('data', (chunk: Buffer) => dir.data(chunk));
      socket.on('end', () => dir.ending('end'));
      // An RST from one side is passed on as an RST; a plain close after `end` needs nothing more.
      socket.on('error', () => dir.ending('reset'));
      socket.on('close', () => {
        if (client.destroyed && server.destroyed) {
          link.up.stop();
          link.down.stop();
          links.delete(id);
        }
      });
      dir.flow();
    }
  }

  const listener = createServer({ allowHalfOpen: true, pauseOnConnect: true }, (client) => {
    // Errors before the link exists (a client resetting at once) must not crash the test process.
    client.on('error', () => {});
    if (refusing) {
      stats.refused++;
      return void client.resetAndDestroy();
    }
    pending.add(client);
    route(client, next++);
  });
  await new Promise<void>((resolve, reject) => {
    listener.once('error', reject);
    listener.listen(0, '127.0.0.1', resolve);
  });
  const port = (listener.address() as { port: number }).port;

  const select = (id: number | undefined) => (id === undefined ? [...links.values()] : [links.get(id)].filter((l): l is Link => !!l));

  return {
    port,
    url: `ws://127.0.0.1:${port}`,
    get mode() {
      return [holding && 'hold', refusing && 'refuse'].filter(Boolean).join('+') || 'pass';
    },
    pass(held = defaultHeld) {
      const wasHolding = holding;
      holding = refusing = false;
      if (!wasHolding) return;
      for (const l of links.values()) {
        l.up.release(held);
        l.down.release(held);
      }
    },
    hold() {
      holding = true;
    },
    refuse() {
      refusing = true;
    },
    reset() {
      const all = [...links.values()];
      for (const l of all) {
        l.client.resetAndDestroy();
        l.server.resetAndDestroy();
      }
      stats.reset += all.length;
      return all.length;
    },
    latency(ms) {
      latencyMs = Math.max(0, ms);
    },
    pauseDownstream(id) {
      if (id === undefined) pauseAll = true;
      for (const l of select(id)) {
        l.down.paused = true;
        l.down.flow();
      }
    },
    resumeDownstream(id) {
      if (id === undefined) pauseAll = false;
      for (const l of select(id)) {
        l.down.paused = false;
        l.down.flow();
      }
    },
    connections: () => [...links.values()].map((l) => ({ id: l.id, upstream: l.upstream, downstreamPaused: l.down.paused })),
    stats: () => ({ ...stats, perUpstream: { ...stats.perUpstream }, live: links.size }),
    async close() {
      for (const l of links.values()) {
        l.up.stop();
        l.down.stop();
        l.client.destroy();
        l.server.destroy();
      }
      links.clear();
      for (const c of pending) c.destroy();
      pending.clear();
      await new Promise<void>((resolve) => listener.close(() => resolve()));
    },
  };
}

function splitHostPort(hostPort: string): [string, number] {
  const i = hostPort.lastIndexOf(':');
  const port = Number(hostPort.slice(i + 1));
  if (i < 0 || !Number.isInteger(port)) throw new Error(`fault proxy: upstream "${hostPort}" is not host:port`);
  return [hostPort.slice(0, i), port];
}
