/**
 * `hostSharedConnection`: the body of a SharedWorker that holds a group's connection. Tabs
 * connect with `createSharedClient({ …, worker: url })`; the hub runs here while any tab is
 * connected. Without a `token` of its own (a worker can fetch one with the page's cookies),
 * the client here asks the tab the user saw last, whose token function runs in the page.
 */
import { createClient } from '../core/client.ts';
import type { Lazy } from '../core/options.ts';
import { nanoid } from 'nanoid';
import { createHub } from './hub.ts';
import type { HubMessage, TabMessage } from './messages.ts';
import { tabLock, workerPlatform, type PortLike, type SharedPlatform } from './platform.ts';
import type { SharedClientOptions } from './types.ts';

export type HostOptions = Omit<SharedClientOptions, 'token' | 'contract' | 'worker'> & {
  /** The token, or a function fetching one in the worker. @default asked of a tab */
  token?: Lazy<string>;
};

export function hostSharedConnection(options: HostOptions) {
  const platform: SharedPlatform = options.platform ?? workerPlatform();
  /** Each tab's port, with the tab's id once it said hello. */
  const ports = new Map<PortLike, string>();
  const asks = new Map<number, (token: string) => void>();
  let asked = 0;
  let last = '';
  let lastSeen = -1;
  let hub: ReturnType<typeof createHub> | undefined;
  const send = (m: HubMessage | TabMessage) => ports.forEach((_, port) => port.postMessage(m));
  const token =
    options.token ??
    (() =>
      new Promise<string>((answer) => {
        asks.set(++asked, answer);
        send({ t: 'ask', n: asked, tab: last });
      }));

  function gone(port: PortLike) {
    if (ports.get(port) === last) [last, lastSeen] = ['', -1];
    if (!ports.delete(port) || ports.size) return;
    // The last tab is gone: so is the connection (the worker may live on a while; a new tab starts one).
    hub?.stop();
    hub = undefined;
  }

  function start() {
    const client = createClient({ ...options, token });
    return createHub({
      id: nanoid(),
      client,
      send,
      watchTab: (tab, bye) =>
        void platform.locks?.request(tabLock(tab), {}, async () => {
          bye();
          ports.forEach((t, port) => t === tab && gone(port));
        }),
      token: () => client.setToken(token),
    });
  }

  platform.accept?.((port) => {
    ports.set(port, '');
    hub ??= start();
    // The tab learns the hub's id from a beat, then says hello.
    hub.beat();
    port.onmessage = ({ data }) => {
      const m = data as TabMessage;
      if (m.t === 'tok') return void (asks.get(m.n)?.(m.v), asks.delete(m.n));
      if (m.t === 'hi') {
        ports.set(port, m.tab);
        if (m.seen >= lastSeen) [last, lastSeen] = [m.tab, m.seen];
      }
      // Every tab hears a token: another user's moves them all to that user's group.
      if (m.t === 'token') send(m);
      if (m.t === 'bye') gone(port);
      hub?.receive(m);
    };
  });
}
