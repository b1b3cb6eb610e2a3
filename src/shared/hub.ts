/**
 * The hub: the one real client of a group of tabs, run by the leader tab or a SharedWorker.
 * It makes the tabs' calls with their own ids and deadlines, joins a room once however many
 * tabs show it (and leaves when the last of them leaves or dies), and passes every event,
 * state change and snapshot on to all tabs, naming the one tab that plays one-tab listeners.
 */
import type { AnyClient } from '../core/client.ts';
import type { Room } from '../core/rooms.ts';
import { toWire, type HubMessage, type TabMessage } from './messages.ts';

export interface HubOptions {
  id: string;
  client: AnyClient;
  send(message: HubMessage): void;
  /** Call `gone` once the tab `tab` is closed, crashed or left (its rooms are let go). */
  watchTab?(tab: string, gone: () => void): void;
  /** A tab's `setToken`: make the client use it. */
  token(value: string): void;
}

interface Shown {
  room: Room;
  tabs: Set<string>;
  token?: string | undefined;
  off: (() => void)[];
}

const EVENTS = ['notification', 'broadcast', 'gap', 'state', 'error'] as const;

export function createHub(o: HubOptions) {
  const { client } = o;
  let stopped = false;
  // After `stop`, what the closing client settles is not the tabs' business: the next hub answers.
  const send = (m: HubMessage) => stopped || o.send(m);
  const tabs = new Map<string, { one: boolean; seen: number }>();
  const rooms = new Map<string, Shown>();
  const snap = () => send({ t: 'snap', s: client.getSnapshot() });

  /** The tab one-tab listeners play in: the one with such listeners that the user looked at last. */
  const one = () => {
    let best: string | undefined;
    let seen = -1;
    tabs.forEach((t, id) => t.one && t.seen > seen && ((best = id), (seen = t.seen)));
    return best;
  };

  const off = [
    client.subscribe(snap),
    ...EVENTS.map((k) =>
      client.on(k, (e: unknown) =>
        send({ t: 'ev', k, e: k === 'error' ? toWire(e) : e, one: k === 'notification' || k === 'broadcast' ? one() : undefined }),
      ),
    ),
  ];

  function roomSnap(name: string, room: Room) {
    const s = room.getSnapshot();
    send({ t: 'room', r: name, k: 'snap', e: { ...s, error: s.error && toWire(s.error) } });
  }

  function show(tab: string, name: string, since?: string, token?: string) {
    let r = rooms.get(name);
    if (!r) {
      const shown: Shown = { room: client.room(name, { since, token: () => shown.token! }), tabs: new Set(), off: [] };
      const { room } = shown;
      const pass = (k: 'message' | 'presence' | 'gap') => room.on(k, (e) => send({ t: 'room', r: name, k, e }));
      shown.off = [
        pass('message'),
        pass('presence'),
        pass('gap'),
        room.subscribe(() => roomSnap(name, room)),
      ];
      rooms.set(name, (r = shown));
    }
    r.token = token ?? r.token;
    if (r.tabs.has(tab)) return;
    r.tabs.add(tab);
    // The room's snapshot tells the tab how the join went; the promise has nothing more to say.
    r.room.join().catch(() => {});
    roomSnap(name, r.room);
  }

  function hide(tab: string, name: string) {
    const r = rooms.get(name);
    if (!r?.tabs.delete(tab)) return;
    if (!r.tabs.size) {
      // Listeners first: a room without listeners and joins is forgotten by the client.
      r.off.forEach((f) => f());
      rooms.delete(name);
    }
    r.room.leave();
  }

  function bye(tab: string) {
    tabs.delete(tab);
    rooms.forEach((_, name) => hide(tab, name));
  }

  return {
    receive(m: TabMessage) {
      switch (m.t) {
        case 'hi':
          if (!tabs.has(m.tab)) o.watchTab?.(m.tab, () => bye(m.tab));
          tabs.set(m.tab, { one: m.one, seen: m.seen });
          send({ t: 'beat', hub: o.id });
          return snap();
        case 'probe':
          return send({ t: 'beat', hub: o.id });
        case 'call':
          // A call the tab gave up on (aborted, or past its deadline there) still ends here at its
          // deadline; its answer then finds no one, as for any client whose caller stopped waiting.
          return void client.call(m.m, m.p, { id: m.id, timeoutMs: m.ms }).then(
            (v) => send({ t: 'ret', id: m.id, v }),
            (e) => send({ t: 'ret', id: m.id, e: toWire(e) }),
          );
        case 'join':
          return show(m.tab, m.r, m.since, m.tok);
        case 'leave':
          return hide(m.tab, m.r);
        case 'bye':
          return bye(m.tab);
        case 'token':
          return o.token(m.v);
        case 'do':
          return client[m.a]();
      }
    },
    beat: () => send({ t: 'beat', hub: o.id }),
    /** Stop serving: the lead went elsewhere. The client closes without telling the tabs (the next hub will). */
    stop() {
      stopped = true;
      off.forEach((f) => f());
      rooms.forEach((r) => r.off.forEach((f) => f()));
      client.close();
    },
  };
}
