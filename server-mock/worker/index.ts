/**
 * Writing workers: `createWorker({ broker, methods })` with methods from `defineMethod`.
 */
export { RpcError } from '../../src/protocol/rpc-error.ts';
export { defineMethod, type MethodContext, type MethodDefinition, type MethodSchemas } from './define.ts';
export { demoMethods } from './demo-methods.ts';
export { createWorker, describeMethods, type Worker, type WorkerOptions } from './worker.ts';
