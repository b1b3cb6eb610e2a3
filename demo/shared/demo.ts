/**
 * What the React and Vue demos share: one client per page (created outside the framework,
 * signed in as whichever user the "Who are you?" form names), its timeline, and the
 * formatting the plain page does inline, so all three pages show the same text.
 */
import { createClient, RpcError, type Client, type ClientSnapshot } from 'tether-rpc';
import { createSharedClient } from 'tether-rpc/shared';
import { contract } from './contract.ts';
import { DEADLINE_MS, dataLine, demoHref, devToken, type DemoSettings } from './demo-settings.ts';
import { createTimeline } from './timeline.ts';

declare global {
  interface Window {
    /** The page's client, for the console and for the end-to-end tests (as on the plain page). */
    tether?: unknown;
  }
}

/**
 * The client, its timeline, and `signIn(user)`: reconnect as `user` with a fresh development
 * token. Positions are kept in `sessionStorage`, so a reload resumes where the page was.
 */
export function createDemoClient(settings: DemoSettings) {
  let user = settings.user;
  const options = {
    url: location.origin.replace(/^http/, 'ws'),
    token: () => devToken(user),
    contract,
    callTimeoutMs: DEADLINE_MS,
    persist: 'session' as const,
  };
  // Typed as the plain client: a `SharedClient<C>` with this contract is not assignable to the bindings' `AnyClient`.
  const raw: Client<typeof contract> = settings.share ? createSharedClient(options) : createClient(options);
  const timeline = createTimeline(raw);
  // Every call the page makes (the form, the publish buttons, the bindings' hooks) gets its story told.
  const call = ((method: string, params?: unknown, opts?: object) => timeline.track(method, raw.call(method, params, opts))) as typeof raw.call;
  const client: typeof raw = { ...raw, call };
  window.tether = client;
  return {
    client,
    timeline,
    signIn(next: string) {
      user = next.trim() || settings.user;
      history.replaceState(null, '', demoHref({ ...settings, user }, location.href));
      if (settings.share) {
        // Every tab of the group follows this one to the new user's group.
        void devToken(user).then((jwt) => raw.setToken(jwt));
      } else {
        raw.close();
        raw.connect();
      }
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
  `${b.type}: ${b.message ?? dataLine(b.data) ?? ''}`;
