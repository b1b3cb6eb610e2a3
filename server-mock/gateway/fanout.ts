/**
 * Who is connected here, and which broker targets this gateway listens to. A gateway
 * subscribes to a user's or a room's live channel only while it has a connection for it
 * (ref-counted), and to the broadcast channel always; live events go to exactly the
 * sessions of their target, so an event never reaches the wrong user.
 *
 * It also keeps, per target, the offset of the last event it delivered (its cursor). When the
 * broker says live delivery was interrupted (`resync`), it reads the target's history since
 * then and delivers what was missed, in order, holding newer live events meanwhile; when the
 * history cannot fill the hole (another epoch, trimmed), it tells the target's sessions `gap`.
 * A live event of another epoch than the cursor's is a hole too.
 */
import { compareOffsets, epochOf } from 'tether-rpc/protocol';
import type { Broker, LiveEvent, StoredEvent, Target } from '../broker/broker.ts';
import { targetKey } from '../broker/broker.ts';
import type { Pushed, Session } from './session.ts';

export interface FanoutOptions {
  /** Something went wrong reading history to fill a hole (it is tried again on the next resync). */
  onError?(error: unknown, where: string): void;
  /** Sessions were told `gap` for a target (a metric). */
  onGap?(target: Target): void;
}

/** A room message's params: the event with its room's name. */
const withRoom = (room: string, event: StoredEvent): Pushed => Object.assign({ room }, event);

export function createFanout(broker: Broker, o: FanoutOptions = {}) {
  const byUser = new Map<string, Set<Session>>();
  const byRoom = new Map<string, Set<Session>>();
  const all = new Set<Session>();
  const subscriptions = new Map<string, () => void>();
  /** Per target: the offset of the last event delivered, or where its sessions start. */
  const cursors = new Map<string, string>();
  /** Targets filling a hole from history: their live events wait here. */
  const catching = new Map<string, StoredEvent[]>();

  const sessionsOf = (t: Target) => (t.kind === 'user' ? byUser.get(t.user) : t.kind === 'room' ? byRoom.get(t.room) : all);

  function deliver(e: LiveEvent) {
    if (e.kind === 'presence') {
      for (const s of byRoom.get(e.room) ?? []) s.notify('presence', { room: e.room, ...(e.joined ? { joined: e.joined } : { left: e.left }) });
      return;
    }
    if (e.kind === 'resync') return void catchUp(e.target);
    const held = catching.get(targetKey(e.target));
    if (held) held.push(e.event);
    else forward(e.target, e.event);
  }

  /** Deliver one event of `t` unless it is not after the cursor; a new epoch is a hole first. */
  function forward(t: Target, event: StoredEvent) {
    const key = targetKey(t);
    const last = cursors.get(key);
    if (last !== undefined) {
      const order = compareOffsets(event.offset, last);
      if (order <= 0) return; // delivered already (a live event overlapping a catch-up)
      // Another epoch: the history before this event is gone, and with it what was not delivered.
      if (Number.isNaN(order)) gap(t, `${epochOf(event.offset)}:0-0`);
    }
    cursors.set(key, event.offset);
    const method = t.kind === 'user' ? 'notification' : t.kind === 'room' ? 'room.message' : 'broadcast';
    const params: Pushed = t.kind === 'room' ? withRoom(t.room, event) : event;
    // One text for every session: the frame is the same for all of them.
    let text: string | undefined;
    const frame = () => (text ??= JSON.stringify({ jsonrpc: '2.0', method, params }));
    for (const s of sessionsOf(t) ?? []) s.push(key, method, params, frame);
  }

  /** Tell the sessions of `t` that events before `offset` were missed for good; continue from there. */
  function gap(t: Target, offset: string) {
    const key = targetKey(t);
    cursors.set(key, offset);
    const params = { stream: t.kind, ...(t.kind === 'room' && { room: t.room }), offset };
    for (const s of sessionsOf(t) ?? []) s.push(key, 'gap', params);
    o.onGap?.(t);
  }

  /** Live delivery of `t` was interrupted: deliver what it missed from history, or say `gap`. */
  async function catchUp(t: Target) {
    const key = targetKey(t);
    const since = cursors.get(key);
    // Nothing delivered yet and no session started: their own start reads history after this.
    if (since === undefined || catching.has(key) || !subscriptions.has(key)) return;
    const held: StoredEvent[] = [];
    catching.set(key, held);
    try {
      const page = await broker.history(t, since);
      if (!page.recovered) gap(t, page.tip);
      else for (const e of page.events) forward(t, e);
    } catch (error) {
      // The broker went away again; its next resync tries again. Until then the live events flow.
      o.onError?.(error, `catching up ${key}`);
    } finally {
      catching.delete(key);
      for (const e of held) forward(t, e);
    }
  }

  const retain = (t: Target) => {
    const key = targetKey(t);
    if (!subscriptions.has(key)) subscriptions.set(key, broker.subscribe(t, deliver));
  };
  const release = (t: Target, members: Set<Session> | undefined) => {
    if (members?.size) return;
    const key = targetKey(t);
    subscriptions.get(key)?.();
    subscriptions.delete(key);
    cursors.delete(key);
  };
  const add = <K>(index: Map<K, Set<Session>>, k: K, s: Session) => {
    let set = index.get(k);
    if (!set) index.set(k, (set = new Set()));
    set.add(s);
  };
  const remove = <K>(index: Map<K, Set<Session>>, k: K, s: Session) => {
    const set = index.get(k);
    set?.delete(s);
    if (set && !set.size) index.delete(k);
    return index.get(k);
  };

  retain({ kind: 'broadcast' });

  return {
    /** An authenticated session: it now receives its user's notifications and broadcasts. */
    addUser(s: Session) {
      all.add(s);
      add(byUser, s.user!, s);
      retain({ kind: 'user', user: s.user! });
    },
    removeUser(s: Session) {
      all.delete(s);
      if (!s.user) return;
      release({ kind: 'user', user: s.user }, remove(byUser, s.user, s));
    },
    joinRoom(s: Session, room: string) {
      add(byRoom, room, s);
      retain({ kind: 'room', room });
    },
    leaveRoom(s: Session, room: string) {
      release({ kind: 'room', room }, remove(byRoom, room, s));
    },
    /**
     * A session started stream `key` at `tip` (read from history after subscribing): where
     * the target's cursor starts if nothing was delivered yet, so a resync knows where to read from.
     */
    started(key: string, tip: string) {
      if (!cursors.has(key) && subscriptions.has(key)) cursors.set(key, tip);
    },
    /** Authenticated sessions, for shutdown. */
    sessions: () => all,
    /** Live subscriptions, for tests and `/health`. */
    subscriptionCount: () => subscriptions.size,
    close() {
      for (const off of subscriptions.values()) off();
      subscriptions.clear();
      cursors.clear();
    },
  };
}
