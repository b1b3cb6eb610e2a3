/**
 * `tether-rpc/shared`: one connection shared by the tabs of a browser (see the README's
 * "Many tabs"). `createSharedClient` takes `createClient`'s options and returns the same client.
 */
export { createSharedClient } from './shared-client.ts';
export { hostSharedConnection, type HostOptions } from './worker-host.ts';
export { browserPlatform, workerPlatform, type LocksLike, type PageSignals, type PortLike, type SharedPlatform } from './platform.ts';
export type { ListenOptions, SharedClient, SharedClientOptions, SharedSnapshot } from './types.ts';
