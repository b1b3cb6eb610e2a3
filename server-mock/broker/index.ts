/**
 * Brokers: the interface, the embedded memory driver, and the Redis driver (loaded on demand
 * by `app.ts`, importable directly from `./redis.ts`).
 */
export * from './broker.ts';
export { createMemoryBroker, type MemoryBrokerOptions } from './memory.ts';
