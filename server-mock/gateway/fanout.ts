/**
 * Who is connected here, and which broker targets this gateway listens to. A gateway
 * subscribes to a user's or a room's live channel only while it has a connection for it
 * (ref-counted), and to the broadcast channel always; live events go to exactly the
 * sessions of their target, so an event never reaches the wrong user.
 */
import type { Broker, LiveEvent, Target } from '../broker/broker.ts';
import { targetKey } from '../broker/broker.ts';
import type { Pushed, Session } from './session.ts';

export function createFanout(broker: Broker) {
  const byUser = new Map<string, Set<Session>>();
  const byRoom = new Map<string, Set<Session>>();
  const all = new Set<Session>();
  const subscriptions = new Map<string, () => void>();

  function deliver(e: LiveEvent) {
    if (e.kind === 'presence') {
      for (const s of byRoom.get(e.room) ?? []) s.notify('presence', { room: e.room, ...(e.joined ? { joined: e.joined } : { left: e.left }) });
      return;
    }
    const t = e.target;
    const key = targetKey(t);
    let sessions: Set<Session> | undefined = all;
    let method = 'broadcast';
    let params: Pushed = e.event;
    if (t.kind === 'user') [sessions, method] = [byUser.get(t.user), 'notification'];
    else if (t.kind === 'room') {
      const message = { room: t.room, ...e.event };
      [sessions, method, params] = [byRoom.get(t.room), 'room.message', message];
    }
    // One text for every session: the frame is the same for all of them.
    let text: string | undefined;
    const frame = () => (text ??= JSON.stringify({ jsonrpc: '2.0', method, params }));
    for (const s of sessions ?? []) s.push(key, method, params, frame);
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
    /** Authenticated sessions, for the heartbeat sweep and shutdown. */
    sessions: () => all,
    /** Live subscriptions, for tests and `/health`. */
    subscriptionCount: () => subscriptions.size,
    close() {
      for (const off of subscriptions.values()) off();
      subscriptions.clear();
    },
  };
}
