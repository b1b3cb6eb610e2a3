/**
 * The demo's event timeline: what the client did and why, as lines a person reads. State
 * changes with their close code and reason, each call's story ("queued → sent after reconnect
 * → answered in 3.1 s"), notifications marked when they were replayed (published before the
 * connection that delivered them was up: the gateway resumed the stream), gaps, broadcasts,
 * and which tab holds a shared connection. Framework-free (the plain page loads it as a built
 * file), and it imports only types from `tether-rpc`, so it carries no second client.
 */
import type { ClientEvents, ClientSnapshot, NotificationEvent } from 'tether-rpc';

export type EntryKind = 'state' | 'call' | 'notification' | 'replayed' | 'gap' | 'broadcast' | 'tab';

export interface Entry {
  id: number;
  /** Wall-clock ms when it happened (for a call: when it was made). */
  at: number;
  kind: EntryKind;
  text: string;
  /** A call's story so far, oldest first. */
  steps?: string[];
}

/** The part of a client (plain or shared) the timeline listens to. */
export interface Observed {
  on<K extends keyof ClientEvents>(type: K, listener: (event: ClientEvents[K]) => void): () => void;
  getSnapshot(): ClientSnapshot & { sharing?: string };
  subscribe(listener: () => void): () => void;
}

export interface Timeline {
  /** Newest first; a new array whenever something is added or a call's story moves on. */
  getSnapshot(): readonly Entry[];
  subscribe(listener: () => void): () => void;
  /** Tell the story of `promise`, a call of `method` made just now; returns it unchanged. */
  track<T>(method: string, promise: Promise<T>): Promise<T>;
  dispose(): void;
}

/** States passed through on the way to another (connecting, authenticating) say nothing a reader needs. */
const SHOWN = new Set(['connected', 'reconnecting', 'offline', 'closed', 'unauthorized']);
const LIMIT = 200;

export const seconds = (ms: number) => `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
export const clock = (at: number) => new Date(at).toTimeString().slice(0, 8);

/** What a close code without a reason means (the browser gives 1006 when the server just vanished). */
const CLOSES: Record<number, string> = {
  1000: 'closed',
  1001: 'going away',
  1006: 'connection dropped',
  1011: 'server error',
  1012: 'server restarting',
};

/** "reconnecting: connection dropped (1006), next try in 1.2 s". */
function stateText(to: string, s: ClientSnapshot, now: number): string {
  if (to === 'connected') return `connected as ${s.user}`;
  const reason = s.reason || (s.code ? (CLOSES[s.code] ?? 'closed') : '');
  const why = reason ? `: ${reason}${s.code ? ` (${s.code})` : ''}` : '';
  const next = to === 'reconnecting' && s.nextRetryAt ? `, next try in ${seconds(Math.max(0, s.nextRetryAt - now))}` : '';
  return `${to}${why}${next}`;
}

const failure = (e: unknown) => {
  const err = e as { name?: string; code?: number; message?: string } | null;
  return `failed: ${err?.name ?? 'Error'}${typeof err?.code === 'number' ? ` ${err.code}` : ''}: ${err?.message ?? String(e)}`;
};

const said = (n: NotificationEvent) => `${n.type}${n.message ? `: ${n.message}` : ''}`;

export function createTimeline(client: Observed, now: () => number = Date.now): Timeline {
  let entries: Entry[] = [];
  let next = 1;
  const listeners = new Set<() => void>();
  const notify = () => listeners.forEach((f) => f());

  const add = (kind: EntryKind, text: string, steps?: string[]): Entry => {
    const entry: Entry = { id: next++, at: now(), kind, text, ...(steps ? { steps } : {}) };
    entries = [entry, ...entries].slice(0, LIMIT);
    notify();
    return entry;
  };
  /** Calls not settled yet: their entry's id, and whether they are on the wire. */
  const pending = new Map<number, { sent: boolean }>();
  const step = (id: number, text: string) => {
    entries = entries.map((e) => (e.id === id ? { ...e, steps: [...(e.steps ?? []), text] } : e));
    notify();
  };

  const live = () => client.getSnapshot().state === 'connected';
  /** When the connection now up came up: a notification published before it was replayed. */
  let connectedAt = live() ? now() : Infinity;

  let state = client.getSnapshot().state;
  let sharing = client.getSnapshot().sharing;

  /**
   * From the snapshot rather than the `state` event: a tab that joins a shared connection
   * already up gets the group's snapshot, but no event for a change it did not see.
   */
  function changed(s: ClientSnapshot) {
    const to = s.state;
    connectedAt = to === 'connected' ? now() : Infinity;
    if (SHOWN.has(to)) add('state', stateText(to, s, now()));
    pending.forEach((call, id) => {
      if (to === 'connected') {
        step(id, call.sent ? 'sent again after reconnect (same id)' : 'sent after reconnect');
        call.sent = true;
      } else if (call.sent && SHOWN.has(to)) {
        step(id, 'waiting: connection lost');
      }
    });
  }

  const off = [
    client.subscribe(() => {
      const s = client.getSnapshot();
      if (s.state !== state) {
        state = s.state;
        changed(s);
      }
      if (s.sharing === sharing) return;
      sharing = s.sharing;
      if (sharing) add('tab', sharing === 'leader' ? 'this tab now holds the shared connection' : sharing === 'follower' ? 'this tab now uses another tab’s connection' : 'the connection lives in a shared worker');
    }),
    client.on('notification', (n) => {
      // Server and page clocks are the same machine's in the demo; elsewhere a skew could mislabel one.
      if (n.ts < connectedAt) add('replayed', `${said(n)} (published ${clock(n.ts)}, while this page was away)`);
      else add('notification', said(n));
    }),
    client.on('broadcast', (b) => add('broadcast', said(b))),
    client.on('gap', ({ stream }) =>
      add('gap', stream === 'user' ? 'gap: some of your notifications could not be replayed' : 'gap: some broadcasts could not be replayed'),
    ),
  ];

  return {
    getSnapshot: () => entries,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    track(method, promise) {
      const sent = live();
      const { id } = add('call', method, [sent ? 'sent' : `queued (${client.getSnapshot().state})`]);
      pending.set(id, { sent });
      const started = now();
      promise.then(
        () => step(id, `answered in ${seconds(now() - started)}`),
        (e) => step(id, failure(e)),
      ).finally(() => pending.delete(id));
      return promise;
    },
    dispose: () => off.forEach((f) => f()),
  };
}
