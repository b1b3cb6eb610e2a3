/**
 * The Vue plugin: `app.use(createTether(client))` provides one client to the whole app, and
 * every composable finds it with `useClient()`.
 */
import { inject, type InjectionKey, type Plugin } from 'vue';
import type { AnyClient, Client, Contract } from '../core/index.ts';

/** The key the plugin provides the client under; `provide(TetherClientKey, other)` gives a subtree another client. */
export const TetherClientKey: InjectionKey<AnyClient> = Symbol('tether-rpc');

/** A Vue plugin that provides `client` to every component of the app: `app.use(createTether(client))`. */
export function createTether(client: AnyClient): Plugin {
  return { install: (app) => void app.provide(TetherClientKey, client) };
}

/** The client of the nearest `createTether` plugin (or `provide`). Call it in `setup()`; throws when there is none. */
export function useClient<C extends Contract = Contract>(): Client<C> {
  const client = inject(TetherClientKey, null);
  if (!client) throw new Error('tether-rpc/vue: no client. Install one with app.use(createTether(client)) and call composables in setup().');
  return client;
}
