/**
 * `GET /dev/token?user=alice[&ttl=60]`, for development only: a signed token for any user, so
 * an app works before it has a login. Answers cross-origin fetches too (CORS), since the app's
 * own dev server (Vite on :5173) is another origin than the gateway.
 * Anyone who can reach it gets a token for anyone: `tether-dev` turns it on, `tether-gateway` never.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestHandler } from './http.ts';

const USER = /^[\w.@:-]{1,64}$/;
const cors = { 'access-control-allow-origin': '*', 'access-control-allow-methods': 'GET, OPTIONS', 'access-control-max-age': '600' };

/** `/dev/token` with `sign(user, ttlSec)`; every other request goes to `next`. */
export function devTokenHandler(sign: (user: string, ttlSec: number) => Promise<string>, next?: RequestHandler): RequestHandler {
  return (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== '/dev/token') {
      if (next) return next(req, res);
      return void res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
    }
    const json = (status: number, body: unknown) =>
      void res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...cors }).end(JSON.stringify(body));
    if (req.method === 'OPTIONS') return void res.writeHead(204, cors).end();
    if (req.method !== 'GET') return json(405, { error: 'GET /dev/token?user=alice' });
    const user = url.searchParams.get('user') ?? '';
    if (!USER.test(user)) return json(400, { error: '?user= is 1-64 letters, digits, _ . @ : -' });
    // Optional lifetime in seconds (tests use short-lived tokens); an hour unless given.
    const ttlParam = url.searchParams.get('ttl');
    const ttlSec = ttlParam === null ? 3600 : Number(ttlParam);
    if (!Number.isInteger(ttlSec) || ttlSec < 5 || ttlSec > 86_400) return json(400, { error: '?ttl= is whole seconds, 5-86400' });
    sign(user, ttlSec).then(
      (token) => json(200, { token, user }),
      () => json(500, { error: 'could not sign a token' }),
    );
  };
}
