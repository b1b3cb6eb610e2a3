/**
 * What the React and Vue demos share: one client per page (created outside the framework,
 * signed in as whichever user the "Who are you?" form names) and the formatting the plain
 * page does inline, so all three pages show the same text.
 */
import { createClient, RpcError, type ClientSnapshot } from 'tether-rpc';
import { contract } from './contract.ts';

declare global {
  interface Window {
    /** The page's client, for the console and for the end-to-end tests (as on the plain page). */
    tether?: unknown;
  }
}

/** The client, and `signIn(user)`: reconnect as `user` with a fresh development token. */
export function createDemoClient(initialUser = 'alice') {
  let user = initialUser;
  const client = createClient({
    url: location.origin.replace(/^http/, 'ws'),
    token: async () => (await (await fetch(`/dev/token?user=${encodeURIComponent(user)}`)).json()).token,
    contract,
  });
  window.tether = client;
  return {
    client,
    signIn(next: string) {
      user = next.trim() || initialUser;
      client.close();
      client.connect();
      return user;
    },
  };
}

/** Methods of the demo worker, and the params each starts with in the form. */
export const methods = ['orders.create', 'orders.list', 'tasks.get_stats', 'demo.fail', 'demo.crash', 'demo.slow', 'system.ping'];
export const exampleParams = (method: string): string =>
  ({ 'orders.create': '{"sku": "A-1", "qty": 2}', 'demo.slow': '{"ms": 3000}', 'tasks.get_stats': '{"include_completed": true}' })[method] ?? '';

/** The badge's text. */
export const stateLabel = (s: ClientSnapshot) => (s.state === 'connected' ? `connected as ${s.user}` : s.state);

/** "next try in 3 s · 2 queued", "2 queued" or "". */
export function retryLabel(s: ClientSnapshot, now = Date.now()): string {
  const queued = s.queued ? `${s.queued} queued` : '';
  if (s.state === 'reconnecting' && s.nextRetryAt) {
    return `next try in ${Math.max(0, Math.ceil((s.nextRetryAt - now) / 1000))} s` + (queued && ` · ${queued}`);
  }
  return queued;
}

/** A failed call as text: `RpcError -32602: Invalid params` and one line per field issue. */
export function formatError(error: unknown): string {
  if (error instanceof RpcError) {
    const data = error.data as { issues?: { path: (string | number)[]; message: string }[] } | undefined;
    const issues = data?.issues?.map((i) => `  ${i.path.join('.') || '(params)'}: ${i.message}`).join('\n');
    return `${error.name} ${error.code}: ${error.message}${issues ? '\n' + issues : ''}`;
  }
  const e = error as { name?: string; message?: string } | null;
  return `${e?.name ?? 'Error'}: ${e?.message ?? String(error)}`;
}

/** The form's params: empty is `undefined`, anything else must be JSON (a `SyntaxError` otherwise). */
export const parseParams = (text: string): unknown => (text.trim() ? JSON.parse(text) : undefined);

/** A chat message's sender and text, as the plain page shows them. */
export function chatLine(data: unknown): { from: string; text: string } {
  const d = data as { from?: unknown; text?: unknown } | null | undefined;
  return { from: String(d?.from ?? '?'), text: d?.text != null ? String(d.text) : JSON.stringify(data) };
}

/** A banner line for a broadcast. */
export const bannerText = (b: { type: string; message?: string | undefined; data?: unknown }) =>
  `${b.type}: ${b.message ?? JSON.stringify(b.data ?? '')}`;
