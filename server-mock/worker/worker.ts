/**
 * `createWorker`: takes calls from the broker and runs them. Params are validated before the
 * handler runs (-32602 with the issue paths), results after (-32603). A thrown `RpcError`
 * reaches the caller as it is; anything else becomes -32603 with its message and never its
 * stack, which goes to the log instead.
 */
import { nanoid } from 'nanoid';
import type { Logger } from 'pino';
import * as z from 'zod';
import { ErrorCode, RpcError, toIssues } from 'tether-rpc/protocol';
import type { Broker, CallReply, CallRequest, ConsumeOptions } from '../broker/broker.ts';
import type { StandardSchema } from 'tether-rpc/protocol';
import type { MethodContext, MethodDefinition } from './define.ts';

export interface WorkerOptions extends Omit<ConsumeOptions, 'methods'> {
  broker: Broker;
  /** From `implement(contract, handlers)` and/or `defineMethod`. Calls to these, and only these, reach this worker. */
  methods: MethodDefinition[];
  /** Consumer name in the workers' group. @default `worker-<random>` */
  name?: string;
  /**
   * How long the broker's method directory keeps this worker's methods without hearing from
   * it; it renews them three times as often. A method no live worker serves is answered -32601
   * by the gateways. @default 30000
   */
  announceTtlMs?: number;
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

  const broker = o.broker;
  const failed = (req: CallRequest, error: unknown): Answer => {
    if (error instanceof RpcError) return fail(error.code, error.message, error.data);
    o.logger?.error({ err: error, method: req.method, callId: req.id }, 'handler failed');
    return fail(ErrorCode.InternalError, error instanceof Error ? error.message : String(error));
  };
  const checked = (req: CallRequest, method: MethodDefinition, output: unknown): Answer | Promise<Answer> =>
    then(validate(method.result, output), (result) => {
      if (!result.issues) return { result: result.value };
      o.logger?.error({ method: req.method, issues: result.issues }, 'handler returned an invalid result');
      return fail(ErrorCode.InternalError, 'Invalid result', { issues: toIssues(result.issues) });
    });

  /**
   * Validate, run, validate. Without a promise as long as each step answers at once (zod
   * validates synchronously, many handlers return a value): every `await` is a microtask turn
   * and a promise or two per call.
   */
  function run(req: CallRequest): Answer | Promise<Answer> {
    const method = table.get(req.method);
    if (!method) return fail(ErrorCode.MethodNotFound, `Method not found: ${req.method}`);
    return then(validate(method.params, req.params), (params) => {
      if (params.issues) return fail(ErrorCode.InvalidParams, 'Invalid params', { issues: toIssues(params.issues) });
      let output: unknown;
      try {
        output = method.handler(params.value, new CallContext(req, name, broker));
      } catch (error) {
        return failed(req, error);
      }
      if (!isThenable(output)) return checked(req, method, output);
      return Promise.resolve(output).then(
        (value) => checked(req, method, value),
        (error: unknown) => failed(req, error),
      );
    });
  }

  const consumer = o.broker.consume(name, run, { ...o, methods: [...table.keys()] });
  // The gateways route calls by this directory and describe methods from it (`system.describe`).
  const ttl = o.announceTtlMs ?? 30_000;
  const described = describeMethods(o.methods);
  let warned = false;
  const announce = () =>
    o.broker.advertise(name, described, ttl).then(
      () => (warned = false),
      (error: unknown) => {
        // Once per outage: the next renewal tries again, well within the lease.
        if (!warned) o.logger?.warn({ err: error }, 'could not announce methods');
        warned = true;
      },
    );
  void announce();
  const renew = setInterval(announce, ttl / 3);
  renew.unref();
  return {
    name,
    async stop() {
      clearInterval(renew);
      // Gone from the directory first, so gateways stop routing here while the last calls finish.
      await o.broker.withdraw(name, [...table.keys()]).catch(() => {});
      await consumer.stop();
    },
  };
}

/**
 * What a handler knows about its call. A class rather than an object literal per call: the
 * methods are shared, and an idle field costs nothing until read.
 */
class CallContext implements MethodContext {
  readonly user: string;
  readonly conn: string;
  readonly gateway: string;
  readonly callId: string;
  readonly deadline: number;
  private aborts: AbortSignal | undefined;
  constructor(
    req: CallRequest,
    readonly worker: string,
    private readonly broker: Broker,
  ) {
    this.user = req.user;
    this.conn = req.conn;
    this.gateway = req.gateway;
    this.callId = req.id;
    this.deadline = req.deadline;
  }
  /** Made on first use: an AbortSignal.timeout per call costs a timer and GC work that most handlers never need. */
  get signal(): AbortSignal {
    return (this.aborts ??= AbortSignal.timeout(Math.max(0, this.deadline - Date.now())));
  }
  // Getters that hand out functions bound to this call, so `({ notify }) => notify(…)` works as
  // with a plain object, while a call that never pushes makes none of them.
  get notify(): MethodContext['notify'] {
    return (user, type, data, message) => this.broker.publish({ kind: 'user', user }, { type, data, ...(message ? { message } : {}) });
  }
  get toRoom(): MethodContext['toRoom'] {
    return (room, event, data) => this.broker.publish({ kind: 'room', room }, { event, data });
  }
  get broadcast(): MethodContext['broadcast'] {
    return (type, data, message) => this.broker.publish({ kind: 'broadcast' }, { type, data, ...(message ? { message } : {}) });
  }
}

const isThenable = (v: unknown): v is PromiseLike<unknown> => typeof (v as PromiseLike<unknown> | null)?.then === 'function';

/** `f(value)`, or once `value` settles when it is a promise. */
function then<T, U>(value: T | PromiseLike<T>, f: (v: T) => U | Promise<U>): U | Promise<U> {
  return isThenable(value) ? Promise.resolve(value).then(f) : f(value);
}

/** Run a Standard Schema: its result at once when the library validates synchronously, as zod does. */
function validate(schema: StandardSchema, value: unknown) {
  return schema['~standard'].validate(value);
}

/** JSON Schema of every method, for `system.describe`. */
export function describeMethods(methods: MethodDefinition[]) {
  return Object.fromEntries(
    methods.map((m) => [
      m.name,
      {
        ...(m.description ? { description: m.description } : {}),
        params: jsonSchemaOf(m.params, 'input'),
        result: jsonSchemaOf(m.result, 'output'),
      },
    ]),
  );
}

/**
 * The schema as JSON Schema: from the Standard JSON Schema interface when the library has it
 * (zod 4 does), from zod's own converter for a zod schema with parts JSON Schema cannot say
 * (a Date becomes "any"), and otherwise a plain statement that there is none.
 */
export function jsonSchemaOf(schema: StandardSchema, io: 'input' | 'output'): unknown {
  const std = schema['~standard'] as StandardSchema['~standard'] & {
    jsonSchema?: Record<'input' | 'output', (o: { target: string }) => unknown>;
  };
  try {
    if (std.jsonSchema) return std.jsonSchema[io]({ target: 'draft-2020-12' });
  } catch {
    // Not representable as is: zod can say "any" for those parts; others cannot.
  }
  if (std.vendor === 'zod') return z.toJSONSchema(schema as unknown as z.core.$ZodType, { io, unrepresentable: 'any' });
  return { description: `No JSON Schema: ${std.vendor} schemas do not provide one (Standard JSON Schema)` };
}
