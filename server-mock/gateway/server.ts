/**
 * The gateway's transport: one HTTP server, WebSocket upgrades through `ws` in `noServer`
 * mode (the pattern of `ws`'s own auth example), everything else to the HTTP handler. It only
 * adapts: the subprotocol and Origin checks happen here, the rest in `core.ts`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { CloseCode, SUBPROTOCOL } from 'tether-rpc/protocol';
import { createGatewayCore, type GatewayCoreOptions } from './core.ts';
import type { UpgradeRefusal } from './metrics.ts';

export interface GatewayServerOptions extends GatewayCoreOptions {
  /** @default 0 (any free port) */
  port?: number;
  /** @default '127.0.0.1' */
  host?: string;
  /** Origins allowed to open sockets; empty or absent: any. */
  allowedOrigins?: string[];
  /** Handles every plain HTTP request (health, metrics, publish API, the demo's files). */
  http?: (req: IncomingMessage, res: ServerResponse) => void;
  /** Called for every refused upgrade (also logged at `warn` through `logger`), e.g. `metrics.upgradeRefused`. @default undefined */
  onUpgradeRefused?: ((reason: UpgradeRefusal) => void) | undefined;
}

/** Header values end up in logs: enough to diagnose, not enough to flood. */
const MAX_LOGGED_HEADER = 200;
const clip = (v: string | undefined) => (v !== undefined && v.length > MAX_LOGGED_HEADER ? `${v.slice(0, MAX_LOGGED_HEADER)}…` : v);

export interface GatewayServer {
  /** `ws://host:port` */
  url: string;
  port: number;
  core: ReturnType<typeof createGatewayCore>;
  /** Stop accepting, finish or fail pending calls, close sockets with 1012, stop the server. */
  close(graceMs?: number): Promise<void>;
}

/**
 * `send` with the frames of one tick after the first leaving in one write. Under load many
 * answers settle in the same tick (a burst of replies from the broker), and a write per frame
 * (a syscall each) was a fifth of the gateway's CPU. The first frame goes at once, so a lone
 * answer or one fan-out frame per socket is not delayed; later ones in the tick are corked
 * and leave together on the next tick (Node's documented cork pattern; `ws` corks around each
 * frame itself, and corks nest).
 */
function coalesced(socket: Duplex, send: (data: string) => void) {
  let busy = false;
  let corked = false;
  const flush = () => {
    busy = false;
    if (corked) socket.uncork();
    corked = false;
  };
  return (data: string) => {
    if (busy && !corked) {
      corked = true;
      socket.cork();
    }
    if (!busy) {
      busy = true;
      process.nextTick(flush);
    }
    send(data);
  };
}

export async function startGateway(o: GatewayServerOptions): Promise<GatewayServer> {
  const core = createGatewayCore(o);
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: o.maxFrameBytes ?? 65_536, // ws closes with 1009 past this
    // Pick our version if offered. Otherwise echo the client's first choice: a client must fail
    // a handshake that drops its subprotocol, so only an open socket can tell it "4000".
    handleProtocols: (protocols) => (protocols.has(SUBPROTOCOL) ? SUBPROTOCOL : ([...protocols][0] ?? false)),
  });
  const sockets = new Set<WebSocket>();
  let accepting = true;

  const server = createServer((req, res) => {
    if (o.http) return o.http(req, res);
    res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
  });

  /** Every refusal is a warn line with what was wrong, so an operator can tell a bad Origin list from a proxy dropping headers. */
  const refused = (req: IncomingMessage, reason: UpgradeRefusal, message: string, details: object) => {
    o.logger?.warn({ reason, remote: req.socket.remoteAddress, ...details }, message);
    o.onUpgradeRefused?.(reason);
  };

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    // Node's HTTP server leaves an upgrading socket without an 'error' listener: a client that
    // resets while it is refused would throw out of the process. `ws` takes over once it upgrades.
    const gone = () => socket.destroy();
    socket.on('error', gone);
    const origin = req.headers.origin;
    const refuse = (status: number, text: string, headers = '') => {
      socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\n${headers}Content-Length: 0\r\n\r\n`);
    };
    const address = req.socket.remoteAddress ?? 'unknown';
    if (!accepting) {
      refused(req, 'draining', 'upgrade refused: the gateway is shutting down', {});
      return refuse(503, 'Service Unavailable');
    }
    if (o.allowedOrigins?.length && !(origin && o.allowedOrigins.includes(origin))) {
      refused(req, 'origin', origin ? 'upgrade refused: Origin not allowed' : 'upgrade refused: no Origin header', { origin: clip(origin) ?? null });
      return refuse(403, 'Forbidden');
    }
    const refusal = core.admits(address);
    if (refusal === 'preauth') {
      refused(req, 'preauth', 'upgrade refused: too many sockets from this address waiting to authenticate', { address });
      return refuse(429, 'Too Many Requests');
    }
    if (refusal === 'busy') {
      // Not a warn line each: in a reconnect storm there are hundreds a second; the metric counts them.
      o.onUpgradeRefused?.('busy');
      return refuse(503, 'Service Unavailable', 'Retry-After: 1\r\n');
    }
    socket.off('error', gone);
    wss.handleUpgrade(req, socket, head, (ws) => {
      if (ws.protocol !== SUBPROTOCOL) {
        refused(req, 'subprotocol', 'upgrade refused: unsupported subprotocol', { offered: clip(req.headers['sec-websocket-protocol']) ?? null, expected: SUBPROTOCOL });
        return ws.close(CloseCode.UnsupportedProtocol, `unsupported protocol: use ${SUBPROTOCOL}`);
      }
      sockets.add(ws);
      const send = coalesced(socket, (data: string) => ws.send(data));
      /** One wait for 'drain' shared by every waiter, ended by the socket closing too. */
      let draining: Promise<void> | undefined;
      const drained = () =>
        (draining ??= new Promise<void>((resolve) => {
          const done = () => {
            socket.off('drain', done);
            socket.off('close', done);
            draining = undefined;
            resolve();
          };
          socket.on('drain', done);
          socket.on('close', done);
        }));
      const conn = core.connect({
        send,
        close: (code, reason) => ws.close(code, reason),
        terminate: () => ws.terminate(),
        get bufferedAmount() {
          return ws.bufferedAmount;
        },
        drained,
      }, address);
      ws.on('message', (data, isBinary) => (isBinary ? conn.binary() : conn.receive(data.toString())));
      ws.on('close', () => {
        sockets.delete(ws);
        conn.closed();
      });
      ws.on('error', () => ws.terminate());
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'EADDRINUSE' ? new Error(`Port ${o.port} on ${o.host ?? '127.0.0.1'} is already in use (set PORT)`) : error),
    );
    server.listen(o.port ?? 0, o.host ?? '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `ws://${o.host ?? '127.0.0.1'}:${port}`,
    port,
    core,
    async close(graceMs) {
      accepting = false;
      await core.shutdown(graceMs);
      // Give the 1012 close frames a moment to leave before cutting what is left.
      for (let i = 0; i < 50 && sockets.size; i++) await new Promise((r) => setTimeout(r, 20));
      for (const ws of sockets) ws.terminate();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      wss.close();
    },
  };
}
