/**
 * Writing workers: `createWorker({ broker, methods })` with methods from `implement` or `defineMethod`.
 */
export { RpcError } from 'tether-rpc/protocol';
export { defineMethod, type MethodContext, type MethodDefinition, type MethodSchemas } from './define.ts';
export { implement, type Handlers } from './implement.ts';
export { loadMethods } from './load-methods.ts';
export { createWorker, describeMethods, type Worker, type WorkerOptions } from './worker.ts';
