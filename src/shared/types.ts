/**
 * The shared client's public types: a `Client` whose snapshot says what this tab is in its
 * group, and whose listeners may ask to play in one tab only.
 */
import type { Client, ClientEvents, ClientSnapshot } from '../core/client.ts';
import type { Contract } from '../core/contract.ts';
import type { ClientOptions } from '../core/options.ts';
import type { SharedPlatform } from './platform.ts';

export interface SharedSnapshot extends ClientSnapshot {
  /**
   * `leader`: this tab holds the group's connection; `follower`: another tab does; `worker`:
   * a SharedWorker does. A tab that cannot share (no Web Locks, or a token without `sub`)
   * leads a group of its own.
   */
  sharing: 'leader' | 'follower' | 'worker';
}

export interface ListenOptions {
  /**
   * Play this listener in one tab of the group only (the one with such a listener the user
   * looked at last): for sounds and toasts. Other listeners still run in every tab.
   */
  oneTab?: boolean;
}

export interface SharedClient<C extends Contract = Contract> extends Client<C> {
  on<K extends keyof ClientEvents>(type: K, listener: (event: ClientEvents[K]) => void, options?: ListenOptions): () => void;
  getSnapshot(): SharedSnapshot;
}

export interface SharedClientOptions<C extends Contract = Contract> extends ClientOptions<C> {
  /**
   * A SharedWorker script that calls `hostSharedConnection()`: the connection then lives in that
   * worker, and no tab leads. Where SharedWorker is missing, a leader tab holds it instead.
   */
  worker?: string | URL;
  /** Web Locks, BroadcastChannel, SharedWorker and page signals. @default browserPlatform() */
  platform?: SharedPlatform;
}
