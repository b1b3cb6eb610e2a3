/**
 * The gateway: `startGateway` (ws + HTTP on one port) over the transport-free core, and the
 * parts a custom set-up composes (auth, HTTP API, metrics, RPC proxy).
 */
export { createVerifier, signDevToken, type Verified, type Verify, type VerifierOptions } from './auth.ts';
export { createGatewayCore, type GatewayCore, type GatewayCoreOptions } from './core.ts';
export { createHttpHandler, type HttpHandlerOptions } from './http.ts';
export { createMetrics, type Metrics } from './metrics.ts';
export { createRpcProxy } from './rpc-proxy.ts';
export { startGateway, type GatewayServer, type GatewayServerOptions } from './server.ts';
