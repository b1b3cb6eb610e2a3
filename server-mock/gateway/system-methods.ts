/**
 * The built-in `system.*` methods, answered by the gateway itself and always available,
 * whatever the workers run: ping, echo, health, info, latency and describe.
 */
import type { Broker } from '../broker/broker.ts';
import type { Session } from './session.ts';
import { VERSION } from '../version.ts';

interface SystemContext {
  session: Session;
  started: number;
  gatewayId: string;
  broker: Broker;
  connections: number;
  describe?: (() => unknown) | undefined;
}

type SystemMethod = (params: unknown, ctx: SystemContext) => unknown;

const methods: Record<string, SystemMethod> = {
  'system.ping': () => ({ pong: true, ts: Date.now() }),
  'system.echo': (params) => params ?? null,
  'system.health': async (_p, ctx) => ({
    status: (await ctx.broker.ping().catch(() => false)) ? 'ok' : 'degraded',
    broker: ctx.broker.name,
    connections: ctx.connections,
    uptimeMs: Date.now() - ctx.started,
  }),
  'system.info': (_p, ctx) => ({
    name: 'tether-gateway',
    version: VERSION,
    gateway: ctx.gatewayId,
    broker: ctx.broker.name,
    user: ctx.session.user,
    session: ctx.session.id,
    node: process.version,
  }),
  // The client measures the round trip; the server's clock lets it estimate the offset too.
  'system.latency': () => ({ serverTime: Date.now() }),
  // The workers' directory in the broker, unless the set-up describes its methods itself.
  'system.describe': async (_p, ctx) => ({ methods: ctx.describe ? ctx.describe() : await ctx.broker.methods() }),
};

/** The handler of a built-in method, or undefined for methods the workers answer. */
export function systemMethod(name: string): SystemMethod | undefined {
  return Object.hasOwn(methods, name) ? methods[name] : undefined;
}
