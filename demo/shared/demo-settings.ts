/**
 * The demo pages' settings and small helpers that need no client: what the address asks for
 * (`?user=`, `?share=1`), development tokens, the deadline, the sharing indicator, the publish
 * buttons. The plain page loads them as a built file next to `/tether.js`, the SPAs import them.
 */
/** What the page's address asks for: `?user=bob` signs in as bob, `?share=1` shares one connection between tabs. */
export interface DemoSettings {
  user: string;
  share: boolean;
}

export function demoSettings(search: string): DemoSettings {
  const q = new URLSearchParams(search);
  return { user: q.get('user')?.trim() || 'alice', share: q.get('share') === '1' };
}

/** The page's address for `settings`, from the current one: what a reload or a new tab should open. */
export function demoHref(settings: DemoSettings, at: string): string {
  const url = new URL(at);
  url.searchParams.delete('user');
  url.searchParams.delete('share');
  if (settings.user !== 'alice') url.searchParams.set('user', settings.user);
  if (settings.share) url.searchParams.set('share', '1');
  return url.toString();
}

/** The demo's calls wait this long unless the form says otherwise: long enough to restart a server meanwhile. */
export const DEADLINE_MS = 30_000;

export const devToken = async (user: string): Promise<string> =>
  (await (await fetch(`/dev/token?user=${encodeURIComponent(user)}`)).json()).token;

/** A notification's data as a line, or nothing when it has none (never the text "null"). */
export const dataLine = (data: unknown): string | undefined => (data == null ? undefined : JSON.stringify(data));

/** The sharing indicator: "this tab leads · 1 connection at the gateway". */
export function sharingText(sharing: string | undefined, connections: number | undefined): string {
  const role = sharing === 'leader' ? 'this tab leads' : sharing === 'follower' ? 'this tab follows' : sharing === 'worker' ? 'a shared worker leads' : 'sharing';
  return connections === undefined ? role : `${role} · ${connections} connection${connections === 1 ? '' : 's'} at the gateway`;
}

/** How many WebSockets the gateway holds (all users), from its `/health`; undefined if it does not say. */
export async function gatewayConnections(): Promise<number | undefined> {
  try {
    const health = (await (await fetch('/health')).json()) as { connections?: unknown };
    return typeof health.connections === 'number' ? health.connections : undefined;
  } catch {
    return undefined; // the server is down: the badge already says so
  }
}

type Call = (method: string, params?: unknown) => Promise<unknown>;

/** The publish button: one notification to the signed-in user, without data. */
export const publishToMe = (call: Call, n: number) => call('demo.publish', { message: `Hello #${n} from the publish button` });

/** The broadcast button: one broadcast to every page, without data. */
export const publishToAll = (call: Call, n: number) => call('demo.publish', { message: `Notice #${n} to everyone`, everyone: true });

/** "Publish 5 and reload": the first arrives before the reload, the rest while and after it. */
export async function publishAndReload(call: Call, reload: () => void) {
  await call('demo.publish', { message: 'Published around a reload', count: 5, everyMs: 400 });
  reload();
}
