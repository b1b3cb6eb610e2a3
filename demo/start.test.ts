/**
 * `npm start` as a user runs it: one process, embedded broker, a generated secret and API
 * key, development tokens, the demo's methods; and a graceful stop on SIGTERM (1012).
 */
import { once } from 'node:events';
import { WebSocket } from 'ws';
import { afterAll, expect, it } from 'vitest';
import { createClient } from '../src/core/client.ts';
import { freePort, runCli, stopAll } from '../server-mock/testing/processes.ts';
import { until } from '../server-mock/testing/system.ts';

afterAll(stopAll);

it('runs the whole system in one process and stops gracefully on SIGTERM', async () => {
  const port = await freePort();
  const env: Record<string, string> = { PORT: String(port) };
  for (const k of ['JWT_SECRET', 'JWKS_URL', 'API_KEY', 'REDIS_URL']) env[k] = '';
  const app = await runCli('start', env);
  const http = `http://127.0.0.1:${port}`;
  expect(app.output()).toContain(`${http}/dev/token?user=alice`);
  expect(await (await fetch(`${http}/health`)).json()).toMatchObject({ status: 'ok', broker: 'memory' });

  const client = createClient({
    url: `ws://127.0.0.1:${port}`,
    token: async () => ((await (await fetch(`${http}/dev/token?user=alice`)).json()) as { token: string }).token,
    WebSocket,
    restartWindowMs: 60_000,
    random: () => 0.99, // stays away for a minute after the restart notice, so the test sees just that
  });
  const notes: unknown[] = [];
  client.on('notification', (n) => notes.push(n));
  expect(await client.call('orders.create', { sku: 'A-1', qty: 2 })).toMatchObject({ total: 19, user: 'alice' });
  await until(() => notes.length === 1);
  const described = (await client.call('system.describe')) as { methods: Record<string, unknown> };
  expect(Object.keys(described.methods)).toContain('orders.create');

  // The printed publish command works.
  const key = /X-API-Key: (\w+)/.exec(app.output())![1]!;
  const published = await fetch(`${http}/api/publish`, {
    method: 'POST',
    headers: { 'X-API-Key': key, 'content-type': 'application/json' },
    body: JSON.stringify({ user: 'alice', type: 'hello', message: 'Hi Alice' }),
  });
  expect(published.status).toBe(200);
  await until(() => notes.length === 2);

  const codes: (number | undefined)[] = [];
  client.on('state', (e) => e.to === 'reconnecting' && codes.push(e.code));
  app.kill('SIGTERM');
  const [exitCode] = await once(app, 'exit');
  expect(exitCode).toBe(0);
  await until(() => codes.length >= 1);
  expect(codes[0]).toBe(1012);
  client.close();
}, 30_000);

it('never prints an API_KEY given in the environment, only a command that refers to it', async () => {
  const port = await freePort();
  const secretKey = 'given-key-0123456789abcdef';
  const env: Record<string, string> = { PORT: String(port), API_KEY: secretKey, JWT_SECRET: 'j'.repeat(40), JWKS_URL: '', REDIS_URL: '' };
  const app = await runCli('start', env);
  await until(() => app.output().includes('publish'));
  expect(app.output()).not.toContain(secretKey);
  expect(app.output()).not.toContain('j'.repeat(40));
  expect(app.output()).toContain(`-H "X-API-Key: $API_KEY"`);
  // The key still works, of course.
  const res = await fetch(`http://127.0.0.1:${port}/api/publish`, {
    method: 'POST',
    headers: { 'X-API-Key': secretKey, 'content-type': 'application/json' },
    body: JSON.stringify({ broadcast: true, type: 't' }),
  });
  expect(res.status).toBe(200);
  app.kill('SIGTERM');
  await once(app, 'exit');
}, 30_000);
