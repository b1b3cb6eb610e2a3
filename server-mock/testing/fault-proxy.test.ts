/**
 * The fault proxy on plain TCP: an echo server (or a server that names itself) behind it,
 * and raw sockets in front, so each fault is seen byte by byte.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterEach, expect, it } from 'vitest';
import { startFaultProxy, type FaultProxy } from './fault-proxy.ts';
import { freePort } from './processes.ts';
import { until } from './system.ts';

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

/** An upstream: `echo` sends back what it gets; otherwise it greets with `name` on connect. */
async function upstream(o: { name?: string } = {}) {
  const sockets = new Set<Socket>();
  const server: Server = createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {});
    if (o.name) s.write(o.name);
    else s.pipe(s);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  cleanup.push(() => {
    for (const s of sockets) s.destroy();
    return new Promise<void>((r) => server.close(() => r()));
  });
  return { address: `127.0.0.1:${port}`, sockets };
}

async function proxyTo(...upstreams: string[]): Promise<FaultProxy> {
  const p = await startFaultProxy({ upstreams });
  cleanup.push(() => p.close());
  return p;
}

/** A client socket that records what it receives and how it ended. */
async function dial(port: number) {
  const s = connect({ port, host: '127.0.0.1' });
  const got = { text: '', ended: false, error: undefined as string | undefined, closed: false };
  s.on('data', (d) => (got.text += d.toString()));
  s.on('end', () => (got.ended = true));
  s.on('error', (e: NodeJS.ErrnoException) => (got.error = e.code));
  s.on('close', () => (got.closed = true));
  cleanup.push(() => void s.destroy());
  // A refused connection may be reset before or after it counts as connected.
  await new Promise<void>((resolve) => {
    s.once('connect', resolve);
    s.once('close', resolve);
  });
  return { socket: s, got };
}
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

it('forwards bytes both ways and counts connections', async () => {
  const echo = await upstream();
  const p = await proxyTo(echo.address);
  const a = await dial(p.port);
  const b = await dial(p.port);
  a.socket.write('hello');
  b.socket.write('world');
  await until(() => a.got.text === 'hello' && b.got.text === 'world');
  expect(p.stats()).toMatchObject({ accepted: 2, live: 2, perUpstream: { [echo.address]: 2 } });
  a.socket.end();
  await until(() => p.stats().live === 1);
});

it('holds bytes both ways while holding and flushes them, in order, on pass', async () => {
  const echo = await upstream();
  const p = await proxyTo(echo.address);
  const a = await dial(p.port);
  p.hold();
  a.socket.write('one ');
  a.socket.write('two');
  await pause(150);
  expect(a.got.text).toBe('');
  expect(a.got.closed).toBe(false);
  p.pass('flush');
  await until(() => a.got.text === 'one two');
});

it('drops held bytes on pass("drop"), and resets a connection whose other side left meanwhile', async () => {
  const echo = await upstream();
  const p = await proxyTo(echo.address);
  const kept = await dial(p.port);
  const orphan = await dial(p.port);
  await until(() => echo.sockets.size === 2);
  p.hold();
  kept.socket.write('lost');
  const [, second] = [...echo.sockets];
  second!.destroy(); // the upstream leaves during the partition: the client must not see it yet
  await pause(150);
  expect(orphan.got.closed).toBe(false);
  p.pass('drop');
  await until(() => orphan.got.closed);
  kept.socket.write('after');
  await until(() => kept.got.text === 'after');
});

it('resets new connections while refusing and leaves open ones alone', async () => {
  const echo = await upstream();
  const p = await proxyTo(echo.address);
  const open = await dial(p.port);
  p.refuse();
  const refused = await dial(p.port);
  await until(() => refused.got.closed);
  expect(refused.got.error).toBe('ECONNRESET');
  open.socket.write('still here');
  await until(() => open.got.text === 'still here');
  expect(p.stats()).toMatchObject({ refused: 1, live: 1 });
  p.pass();
  const later = await dial(p.port);
  later.socket.write('x');
  await until(() => later.got.text === 'x');
});

it('reset() destroys every connection with an RST, on both sides', async () => {
  const echo = await upstream();
  const p = await proxyTo(echo.address);
  const a = await dial(p.port);
  const b = await dial(p.port);
  await until(() => echo.sockets.size === 2);
  expect(p.reset()).toBe(2);
  await until(() => a.got.closed && b.got.closed && echo.sockets.size === 0);
  expect([a.got.error, b.got.error]).toEqual(['ECONNRESET', 'ECONNRESET']);
  expect(p.stats()).toMatchObject({ reset: 2, live: 0 });
});

it('delays each chunk by the latency', async () => {
  const echo = await upstream();
  const p = await proxyTo(echo.address);
  const a = await dial(p.port);
  p.latency(150);
  const sent = Date.now();
  a.socket.write('slow');
  await until(() => a.got.text === 'slow');
  // Once on the way up, once on the way back.
  expect(Date.now() - sent).toBeGreaterThanOrEqual(290);
  p.latency(0);
});

it('pausing the downstream makes TCP backpressure build up at the upstream sender', async () => {
  const sender = await upstream({ name: 'hi' });
  const p = await proxyTo(sender.address);
  const a = await dial(p.port);
  await until(() => a.got.text === 'hi');
  const [conn] = p.connections();
  p.pauseDownstream(conn!.id);
  const [server] = [...sender.sockets];
  const chunk = Buffer.alloc(64 * 1024, 'x');
  // Kernel buffers take a few MB on loopback; past them, the sender's own buffer grows.
  for (let i = 0; i < 400 && server!.writableLength < 1024 * 1024; i++) {
    server!.write(chunk);
    await pause(2);
  }
  expect(server!.writableLength).toBeGreaterThanOrEqual(1024 * 1024);
  const before = a.got.text.length;
  await pause(100);
  expect(a.got.text.length).toBe(before);
  p.resumeDownstream(conn!.id);
  await until(() => server!.writableLength === 0, 5000);
});

it('goes round-robin over its upstreams, skipping one that refuses', async () => {
  const one = await upstream({ name: 'one' });
  const two = await upstream({ name: 'two' });
  const dead = `127.0.0.1:${await freePort()}`;
  const p = await proxyTo(one.address, dead, two.address);
  const names: string[] = [];
  for (let i = 0; i < 4; i++) {
    const c = await dial(p.port);
    await until(() => c.got.text.length === 3);
    names.push(c.got.text);
  }
  expect(names).toEqual(['one', 'two', 'one', 'two']);
  expect(p.stats().perUpstream).toEqual({ [one.address]: 2, [two.address]: 2 });
});
