/**
 * `tether-rpc-server`: the server half of Tether. A gateway (`createGateway`) in front,
 * workers (`createWorker` with methods from `implement(contract, handlers)` or `defineMethod`)
 * behind, and a broker between them: the embedded one (`tether-rpc-server/memory`, one
 * process) or Redis (`tether-rpc-server/redis`, any number of gateways and workers).
 */
export { createGateway, type CreateGatewayOptions } from './app.ts';
export { createWorker, describeMethods, type Worker, type WorkerOptions } from './worker/worker.ts';
export { implement, type Handlers } from './worker/implement.ts';
export { defineMethod, type MethodContext, type MethodDefinition, type MethodSchemas } from './worker/define.ts';
export { RpcError } from 'tether-rpc/protocol';
export {
  BrokerUnavailableError,
  type Broker,
  type BrokerOptions,
  type CallHandler,
  type CallReply,
  type CallRequest,
  type Claim,
  type ConsumeOptions,
  type Consumer,
  type EventBody,
  type HistoryPage,
  type LiveEvent,
  type StoredEvent,
  type Target,
} from './broker/broker.ts';
export { ConfigError, gatewayDefaults, loadGatewayConfig, loadWorkerConfig, type GatewayConfig, type WorkerConfig } from './config.ts';
export { createRoomTokenVerifier, createVerifier, signDevRoomToken, signDevToken, type Verify, type VerifyRoomToken } from './gateway/auth.ts';
export type { AuthorizeRoom, RoomAction, RoomHookAnswer } from './gateway/room-policy.ts';
export type { GatewayServer } from './gateway/server.ts';
