/**
 * The client's place in the tree. The provider takes a client created outside React (at
 * module scope), so StrictMode's double mount, remounts and hot reload never open a second
 * connection; closing it is the app's business, not the provider's.
 */
import { createContext, createElement, useContext, type ReactElement, type ReactNode } from 'react';
import type { AnyClient, Client } from '../core/index.ts';

const ClientContext = createContext<AnyClient | undefined>(undefined);

export interface TetherProviderProps {
  /** The client every hook below uses (typed by any contract), made once with `createClient()` outside any component. */
  client: AnyClient;
  children?: ReactNode;
}

export function TetherProvider({ client, children }: TetherProviderProps): ReactElement {
  return createElement(ClientContext.Provider, { value: client }, children);
}

/** The untyped client: `createTetherHooks` gives one typed by the contract. */
export function useClient(): Client {
  const client = useContext(ClientContext);
  if (!client) throw new Error('tether-rpc/react: no client here. Render this component inside <TetherProvider client={client}>.');
  return client;
}
