/**
 * `createSharedClient`: one connection for all tabs of a browser that use the same gateway as
 * the same user. The tabs of a group (named by protocol version, URL and user, so two deploys
 * or two users never share) elect a leader with a Web Lock; the leader runs the hub, the one
 * real client, and the others reach it over a `BroadcastChannel`. A leader that closes hands
 * the lock on at once; one that is frozen stops answering, and after about 2 s a follower
 * steals the lock and takes over. With a SharedWorker script the hub lives there and no tab
 * leads. Without Web Locks, each tab leads a group of its own: today's one connection per tab.
 */
import { createClient } from '../core/client.ts';
import type { Contract } from '../core/contract.ts';
import { browserEnvironment, type StorageLike } from '../core/environment.ts';
import { defaults, lazy, platformTimers, requireConnectionOptions } from '../core/options.ts';
import { claimsOf, resolveToken } from '../core/token.ts';
import { SUBPROTOCOL } from '../protocol/codes.ts';
import { nanoid } from 'nanoid';
import { createBus, type Bus } from './bus.ts';
import { createHub } from './hub.ts';
import type { HubMessage, Message, TabMessage } from './messages.ts';
import { browserPlatform, tabLock } from './platform.ts';
import { createTab } from './tab.ts';
import type { SharedClient, SharedClientOptions, SharedSnapshot } from './types.ts';

/** Silence from the hub after which a follower asks whether it is alive, and steals the lead. */
const ASK_MS = 1000;
const STEAL_MS = 2000;
const HUB_SAYS = new Set(['beat', 'snap', 'ret', 'ev', 'room', 'ask']);
const noop = () => {};

export function createSharedClient<const C extends Contract = Contract>(options: SharedClientOptions<C>): SharedClient<C> {
  requireConnectionOptions(options, 'createSharedClient');
  const o = { ...defaults, ...options };
  const p = o.platform ?? browserPlatform();
  const env = o.environment ?? browserEnvironment();
  const timers = o.timers ?? platformTimers;
  const now = o.now ?? Date.now;
  const random = o.random ?? Math.random;
  const id = nanoid();
  /** The token as the app gave it, for the hub's client: a function stays a function (it refreshes). */
  const current = () => lazy(token);

  let token = o.token;
  /** What the app gave this tab (its `setToken` included): a function of the app's keeps refreshing. */
  let given = o.token;
  let group = '';
  let user: unknown;
  let bus: Bus | undefined;
  let sharing: SharedSnapshot['sharing'] = 'follower';
  let hub: ReturnType<typeof createHub> | undefined;
  /** Ends this tab's membership of its group: its locks, its waits, its timers. */
  let membership: AbortController | undefined;
  /** The queued request for the lead (dropped when stealing or leaving). */
  let queued: AbortController | undefined;
  let release = noop;
  let heard = 0;
  /** When this follower last asked whether the hub is alive. */
  let asked = 0;
  let watchTimer: unknown;
  let beatTimer: unknown;

  const tab = createTab<C>({
    tab: id,
    contract: o.contract,
    callTimeoutMs: o.callTimeoutMs,
    offline: o.offline,
    outboxLimit: o.outboxLimit,
    timers,
    now,
    generateId: o.generateId ?? nanoid,
    send: (m) => !!bus && (bus.send(m), true),
    token: () => token,
    setToken(next) {
      given = token = next;
      void resolveToken(next, now).then((v) => v && bus?.send({ t: 'token', v }));
    },
    sharing: () => sharing,
  });
  const be = (s: SharedSnapshot['sharing']) => {
    sharing = s;
    tab.receive({ t: 'snap', s: tab.client.getSnapshot() });
  };

  /** Join the group of the current URL and user. */
  async function enter() {
    const url = await lazy(o.url);
    const { sub } = claimsOf((await resolveToken(token, now)) ?? '');
    // A token that does not say whose it is cannot be shared safely: this tab keeps its connection.
    user = sub;
    group = `tether:${SUBPROTOCOL}:${url}:${typeof sub === 'string' ? sub : `?${id}`}`;
    const my = (membership = new AbortController());
    const { signal } = my;
    // Held while this tab lives in the group: when it is released, the hub knows the tab is gone.
    // Held before the tab says hello, or the hub's wait for it could be granted first.
    await new Promise<void>((held) => {
      if (!p.locks) return held();
      p.locks.request(tabLock(id), { signal }, () => (held(), new Promise((done) => signal.addEventListener('abort', done)))).catch(held);
    });
    if (my !== membership) return; // left (or switched user) meanwhile
    const worker = o.worker && p.sharedWorker?.(o.worker, group);
    bus = createBus(worker || (p.locks && p.channel?.(group)), !worker);
    bus.listen(receive);
    heard = now();
    if (worker) return be('worker');
    be('follower');
    queue();
    watch();
    // A hub that is running already beats only once a second: ask it now who it is.
    bus.send({ t: 'probe' });
  }

  /** Wait in line for the lead (or take it at once, where there are no locks to wait on). */
  function queue() {
    queued = new AbortController();
    if (p.locks) claim({ signal: queued.signal });
    else void lead();
  }

  /** Take the lead from a hub that stopped answering (frozen, or its page hung). */
  function steal() {
    queued?.abort();
    claim({ steal: true });
  }

  /**
   * Ask for the lead lock. A lock granted and then stolen by another tab (this one stopped
   * answering for a while) rejects: this tab follows again, and waits in line.
   */
  function claim(how: { signal?: AbortSignal; steal?: boolean }) {
    let granted = false;
    p.locks!.request(group, how, () => ((granted = true), lead())).catch(() => {
      if (!granted || !membership) return;
      demote();
      queue();
    });
  }

  /** This tab got the lead: run the hub until the lock is released or stolen. */
  function lead() {
    const mine = membership;
    if (!mine) return Promise.resolve(); // granted after this tab left: let go at once
    const real = o.persist && env.storage?.(o.persist);
    // The new client resumes from where this tab is, or (first page) from what a reloaded page saved.
    const at = tab.positions();
    const storage: StorageLike = {
      getItem: (k) => (at.u || at.b ? JSON.stringify(at) : (real?.getItem(k) ?? null)),
      setItem: (k, v) => real?.setItem(k, v),
    };
    const was = tab.client.getSnapshot().state;
    const client = createClient({
      ...o,
      contract: undefined,
      persist: 'session',
      environment: { ...env, storage: () => storage },
      token: current,
      autoConnect: was === 'idle' ? o.autoConnect : was !== 'closed',
    });
    hub = createHub({
      id: nanoid(),
      client,
      send: (m) => bus?.send(m),
      watchTab: (t, gone) => p.locks?.request(tabLock(t), { signal: mine.signal }, async () => gone()).catch(noop),
      token: () => client.setToken(current),
    });
    be('leader');
    beat();
    return new Promise((done) => (release = () => done(undefined)));
  }

  function beat() {
    hub?.beat();
    beatTimer = timers.setTimeout(beat, ASK_MS);
  }

  /** Stop leading (the lock was stolen, or this tab leaves). */
  function demote() {
    timers.clearTimeout(beatTimer);
    hub?.stop();
    hub = undefined;
    release();
    release = noop;
    be('follower');
  }

  /**
   * A follower that has not heard from the hub for `ASK_MS` asks it; one that got no answer to
   * its question and has heard nothing for `STEAL_MS` takes over. Asking first keeps a leader
   * whose timers the browser slowed down (a background tab) from losing the lead: a message
   * still wakes it, only a frozen or hung page stays silent.
   */
  function watch() {
    const t = now();
    if (sharing === 'follower' && bus && t - heard > ASK_MS) {
      if (asked <= heard) {
        asked = t;
        bus.send({ t: 'probe' });
      } else if (t - heard > STEAL_MS + random() * 500 && t - asked >= ASK_MS / 2) {
        heard = t;
        steal();
      }
    }
    watchTimer = timers.setTimeout(watch, ASK_MS / 2);
  }

  function receive(m: Message) {
    if (HUB_SAYS.has(m.t)) {
      heard = now();
      return tab.receive(m as HubMessage);
    }
    if (m.t === 'token') {
      const { sub } = claimsOf(m.v);
      // Another tab's token replaces a string; a function of the app's is still asked first, and its
      // token used while it is that user's (so it refreshes), the other tab's otherwise.
      const app = given;
      token = typeof app === 'string' ? m.v : async () => ((v) => (claimsOf(v ?? '').sub === sub ? v : m.v))(await lazy(app));
      // Another user's token: every tab moves to that user's group, as it would after a new login.
      if (sub !== user) return switchUser();
    }
    hub?.receive(m as TabMessage);
  }

  /** Leave the group: hand on the lead, and let the hub forget this tab. */
  function leave() {
    if (!membership) return;
    bus?.send({ t: 'bye', tab: id });
    timers.clearTimeout(watchTimer);
    queued?.abort();
    demote();
    membership.abort();
    membership = undefined;
    tab.receive({ t: 'beat', hub: '' });
    bus?.close();
    bus = undefined;
  }

  function switchUser() {
    leave();
    tab.forget();
    void enter();
  }

  p.watch({
    hide: leave,
    show: () => membership || void enter(),
    focus: tab.focus,
  });
  void enter();
  return tab.client;
}

