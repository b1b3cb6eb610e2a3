/**
 * Refused WebSocket upgrades: each one answered as before, and now also a warn line saying
 * why (with the Origin or the subprotocols offered) and a count by reason.
 */
import { nanoid } from 'nanoid';
import { pino } from 'pino';
import { WebSocket } from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import type { Broker } from '../broker/broker.ts';
import { createMemoryBroker } from '../broker/memory.ts';
import { createVerifier, signDevToken } from './auth.ts';
import { createMetrics } from './metrics.ts';
import { startGateway, type GatewayServer, type GatewayServerOptions } from './server.ts';

const SECRET = 'upgrade-test-secret-of-at-least-32-chars';
type Line = { level: number; msg: string; reason?: string; origin?: string | null; offered?: string | null; remote?: string };

let gateway: GatewayServer | undefined;
let broker: Broker | undefined;
afterEach(async () => {
  await gateway?.close(0);
  await broker?.close();
  gateway = broker = undefined;
});

async function start(over: Partial<GatewayServerOptions> = {}) {
  broker = createMemoryBroker({ prefix: `upgrade-test:${nanoid(6)}:` });
  const lines: Line[] = [];
  const logger = pino({ level: 'info' }, { write: (l: string) => void lines.push(JSON.parse(l) as Line) });
  const metrics = createMetrics({ defaultMetrics: false });
  gateway = await startGateway({ broker, verify: createVerifier({ secret: SECRET }), logger, onUpgradeRefused: (r) => metrics.upgradeRefused(r), ...over });
  const http = gateway.url.replace(/^ws/, 'http');
  const warnings = () => lines.filter((l) => l.level === 40);
  return { gateway, lines, warnings, metrics, http };
}

/** The HTTP status of a refused handshake, or the close code of an accepted one. */
function attempt(url: string, protocol: string | undefined, headers: Record<string, string> = {}) {
  return new Promise<{ status?: number; close?: number }>((resolve) => {
    const ws = new WebSocket(url, protocol, { headers });
    ws.on('unexpected-response', (_req, res) => {
      resolve({ status: res.statusCode });
      ws.terminate();
    });
    ws.on('error', () => {});
    ws.on('close', (code) => resolve({ close: code }));
  });
}

describe('refused upgrades', () => {
  it('logs an Origin not allowed, with the Origin, at warn, and counts it', async () => {
    const { gateway, warnings, metrics } = await start({ allowedOrigins: ['https://app.example'] });
    expect(await attempt(gateway.url, 'tether.v1', { origin: 'https://evil.example' })).toEqual({ status: 403 });
    expect(warnings()).toEqual([expect.objectContaining({ msg: 'upgrade refused: Origin not allowed', reason: 'origin', origin: 'https://evil.example', remote: '127.0.0.1' })]);
    expect(await metrics.render()).toContain('tether_upgrades_refused_total{reason="origin"} 1');
  });

  it('logs a missing Origin where Origins are restricted', async () => {
    const { gateway, warnings } = await start({ allowedOrigins: ['https://app.example'] });
    expect(await attempt(gateway.url, 'tether.v1')).toEqual({ status: 403 });
    expect(warnings()).toEqual([expect.objectContaining({ msg: 'upgrade refused: no Origin header', origin: null })]);
  });

  it('cuts an absurdly long Origin in the log line', async () => {
    const { gateway, warnings } = await start({ allowedOrigins: ['https://app.example'] });
    await attempt(gateway.url, 'tether.v1', { origin: `https://${'a'.repeat(5000)}.example` });
    expect(warnings()[0]!.origin!.length).toBeLessThanOrEqual(201);
  });

  it('logs a wrong subprotocol with what was offered, and still tells the client 4000', async () => {
    const { gateway, warnings, metrics } = await start();
    expect(await attempt(gateway.url, 'tether.v0')).toEqual({ close: 4000 });
    expect(warnings()).toEqual([expect.objectContaining({ msg: 'upgrade refused: unsupported subprotocol', reason: 'subprotocol', offered: 'tether.v0' })]);
    expect(await metrics.render()).toContain('tether_upgrades_refused_total{reason="subprotocol"} 1');
  });

  it('logs upgrades refused while the gateway drains', async () => {
    const { gateway, warnings, metrics } = await start();
    // A call no worker takes keeps the gateway draining for the grace period.
    const ws = new WebSocket(gateway.url, 'tether.v1');
    await new Promise((r) => ws.on('open', r));
    const answered = new Promise((r) => ws.once('message', r));
    ws.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'auth', params: { token: await signDevToken(SECRET, 'alice') } }));
    await answered;
    ws.send(JSON.stringify({ jsonrpc: '2.0', id: 'c1', method: 'nobody.serves', params: {} }));
    await new Promise((r) => setTimeout(r, 50));
    const closing = gateway.close(1000);
    expect(await attempt(gateway.url, 'tether.v1')).toEqual({ status: 503 });
    await closing;
    expect(warnings()).toContainEqual(expect.objectContaining({ msg: 'upgrade refused: the gateway is shutting down', reason: 'draining' }));
    expect(await metrics.render()).toContain('tether_upgrades_refused_total{reason="draining"} 1');
  });

  it('logs nothing for an accepted upgrade', async () => {
    const { gateway, warnings } = await start({ allowedOrigins: ['https://app.example'] });
    const ws = new WebSocket(gateway.url, 'tether.v1', { headers: { origin: 'https://app.example' } });
    await new Promise((r) => ws.on('open', r));
    ws.close();
    expect(warnings()).toEqual([]);
  });
});

describe('a client that resets the connection while its upgrade is refused', () => {
  it('costs the gateway nothing: no uncaught socket error, and the next client is served', async () => {
    const { gateway } = await start({ allowedOrigins: ['https://app.example.com'] });
    const { createConnection } = await import('node:net');
    const errors: unknown[] = [];
    const onError = (e: unknown) => errors.push(e);
    process.on('uncaughtException', onError);
    try {
      for (let i = 0; i < 20; i++) {
        const s = createConnection(gateway.port, '127.0.0.1');
        await new Promise((r) => s.once('connect', r));
        s.on('error', () => {});
        s.write(
          'GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n' +
            `Sec-WebSocket-Key: ${Buffer.from(nanoid(16)).toString('base64')}\r\nSec-WebSocket-Protocol: tether.v1\r\nOrigin: https://evil.example\r\n\r\n`,
        );
        // Gone before the refusal is written: the gateway's write meets a reset.
        s.resetAndDestroy();
      }
      await new Promise((r) => setTimeout(r, 200));
    } finally {
      process.off('uncaughtException', onError);
    }
    expect(errors).toEqual([]);
    const next = new WebSocket(gateway.url, 'tether.v1', { origin: 'https://app.example.com' });
    await new Promise((resolve, reject) => (next.once('open', resolve), next.once('error', reject)));
    next.close();
  });
});
