/**
 * `createWorker`: takes calls from the broker and runs them. Params are validated before the
 * handler runs (-32602 with the issue paths), results after (-32603). A thrown `RpcError`
 * reaches the caller as it is; anything else becomes -32603 with its message and never its
 * stack, which goes to the log instead.
 */
import { nanoid } from 'nanoid';
import type { Logger } from 'pino';
import * as z from 'zod';
import { ErrorCode } from '../../src/protocol/codes.ts';
import { toIssues } from '../../src/protocol/decode.ts';
import { RpcError } from '../../src/protocol/rpc-error.ts';
import type { Broker, CallReply, CallRequest, ConsumeOptions } from '../broker/broker.ts';
import type { MethodContext, MethodDefinition } from './define.ts';

export interface WorkerOptions extends ConsumeOptions {
  broker: Broker;
  // Handlers are contravariant in their params; the table only needs to call them.
  methods: MethodDefinition<z.core.$ZodType, z.core.$ZodType>[];
  /** Consumer name in the workers' group. @default `worker-<random>` */
  name?: string;
  logger?: Logger;
}

export interface Worker {
  readonly name: string;
  /** Stop taking calls; resolves once the calls already taken are answered. */
  stop(): Promise<void>;
}

type Answer = Omit<CallReply, 'id' | 'user'>;
const fail = (code: number, message: string, data?: unknown): Answer => ({ error: data === undefined ? { code, message } : { code, message, data } });

export function createWorker(o: WorkerOptions): Worker {
  const name = o.name ?? `worker-${nanoid(6)}`;
  const table = new Map(o.methods.map((m) => [m.name, m]));
  if (table.size !== o.methods.length) throw new Error('createWorker: two methods share a name');

  const context = (req: CallRequest): MethodContext => ({
    user: req.user,
    conn: req.conn,
    gateway: req.gateway,
    worker: name,
    callId: req.id,
    deadline: req.deadline,
    // Made on first use: an AbortSignal.timeout per call costs a timer and GC work that most handlers never need.
    get signal() {
      const signal = AbortSignal.timeout(Math.max(0, req.deadline - Date.now()));
      Object.defineProperty(this, 'signal', { value: signal });
      return signal;
    },
    notify: (user, type, data, message) => o.broker.publish({ kind: 'user', user }, { type, data, ...(message ? { message } : {}) }),
    toRoom: (room, event, data) => o.broker.publish({ kind: 'room', room }, { event, data }),
    broadcast: (type, data, message) => o.broker.publish({ kind: 'broadcast' }, { type, data, ...(message ? { message } : {}) }),
  });

  async function run(req: CallRequest): Promise<Answer> {
    const method = table.get(req.method);
    if (!method) return fail(ErrorCode.MethodNotFound, `Method not found: ${req.method}`);
    const params = z.safeParse(method.params, req.params);
    if (!params.success) return fail(ErrorCode.InvalidParams, 'Invalid params', { issues: toIssues(params.error.issues) });
    let output: unknown;
    try {
      output = await method.handler(params.data, context(req));
    } catch (error) {
      if (error instanceof RpcError) return fail(error.code, error.message, error.data);
      o.logger?.error({ err: error, method: req.method, callId: req.id }, 'handler failed');
      return fail(ErrorCode.InternalError, error instanceof Error ? error.message : String(error));
    }
    const result = z.safeParse(method.result, output);
    if (!result.success) {
      o.logger?.error({ method: req.method, issues: result.error.issues }, 'handler returned an invalid result');
      return fail(ErrorCode.InternalError, 'Invalid result', { issues: toIssues(result.error.issues) });
    }
    return { result: result.data };
  }

  const consumer = o.broker.consume(name, run, o);
  // For `system.describe` on any gateway; a failure only leaves the directory stale.
  o.broker.advertise(describeMethods(o.methods)).catch((error: unknown) => o.logger?.warn({ err: error }, 'could not advertise methods'));
  return { name, stop: () => consumer.stop() };
}

/** JSON Schema of every method, for `system.describe`. */
export function describeMethods(methods: MethodDefinition<z.core.$ZodType, z.core.$ZodType>[]) {
  return Object.fromEntries(
    methods.map((m) => [
      m.name,
      {
        ...(m.description ? { description: m.description } : {}),
        params: z.toJSONSchema(m.params, { io: 'input', unrepresentable: 'any' }),
        result: z.toJSONSchema(m.result, { io: 'output', unrepresentable: 'any' }),
      },
    ]),
  );
}
