/**
 * The broker interface: everything the gateway and the workers say to each other goes
 * through it, so the embedded memory broker (one process) and the Redis broker (N gateways
 * × M workers, docs/redis-contract.md) are interchangeable. Only the composition root picks a driver.
 *
 * The shapes that cross Redis as JSON are zod schemas, so a worker in any language can be
 * checked against them and a malformed entry is refused with a clear error, never trusted.
 */
import * as z from 'zod';

/** A call on its way to a worker: the client's request plus what the gateway stamps on it. */
export const CallRequest = z.object({
  /** The client's call id (nanoid). With `user`, the idempotency key. */
  id: z.string().min(1).max(128),
  method: z.string().min(1),
  params: z.unknown().optional(),
  /** The authenticated caller (JWT `sub`). */
  user: z.string(),
  /** The caller's connection id on its gateway. */
  conn: z.string(),
  /** The gateway that received the call. */
  gateway: z.string(),
  /** Where the reply goes: the owning gateway's reply stream. */
  replyTo: z.string(),
  /** Epoch ms after which nobody waits for the answer: workers skip the call. */
  deadline: z.number(),
});
export type CallRequest = z.infer<typeof CallRequest>;

/** A worker's answer, as the gateway receives it on its reply stream. */
export const CallReply = z.object({
  id: z.string(),
  user: z.string(),
  result: z.unknown().optional(),
  error: z.object({ code: z.number().int(), message: z.string(), data: z.unknown().optional() }).optional(),
});
export type CallReply = z.infer<typeof CallReply>;

/**
 * The reply of a call whose deadline passed before a worker took it: it never ran. Stored
 * and delivered like any reply, so every gateway waiting on the call can answer its client.
 */
export function deadlineReply(request: Pick<CallRequest, 'id' | 'user'>): CallReply {
  return { id: request.id, user: request.user, error: { code: -32003, message: 'Deadline passed before a worker took the call' } };
}

/** What `claim` found for a (user, id) pair. */
export type Claim =
  /** First time: the caller must `enqueue` the call. */
  | { status: 'new' }
  /** Already running: `replyTo` was added to its waiters, the reply will arrive there. */
  | { status: 'pending' }
  /** Already answered within the window: here is the original reply. */
  | { status: 'done'; reply: CallReply };

/** Who an event goes to. */
export type Target = { kind: 'user'; user: string } | { kind: 'room'; room: string } | { kind: 'broadcast' };

/**
 * `<bytes>:<text>`: untrusted text (a user id, a room name, a call id) inside a key name,
 * prefixed with its UTF-8 length, so no text can end where another key's part begins (a room
 * named `X:users` is not room `X`'s anything). Any language can compute it.
 */
export const keyPart = (text: string) => `${Buffer.byteLength(text)}:${text}`;

/** The stable string key of a target (`user:<n>:<id>`, `room:<n>:<name>`, `broadcast`), used in key and channel names. */
export function targetKey(t: Target): string {
  return t.kind === 'user' ? `user:${keyPart(t.user)}` : t.kind === 'room' ? `room:${keyPart(t.room)}` : 'broadcast';
}

/**
 * The broker could not do what was asked. `sent: false` means it certainly did not happen
 * (the broker was unreachable for `brokerTimeoutMs` and nothing was sent), so a caller may
 * say "unavailable"; `sent: true` means the outcome is unknown (the connection broke or the
 * answer did not come in time after the command left).
 */
export class BrokerUnavailableError extends Error {
  override readonly name = 'BrokerUnavailableError';
  constructor(
    message: string,
    readonly sent: boolean,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** The payload of a user notification or a broadcast. */
export interface UserEventBody {
  type: string;
  message?: string;
  data?: unknown;
}
/** The payload of a room message. */
export interface RoomEventBody {
  event: string;
  data?: unknown;
  /** Who sent it, when a client published it: the authenticated user, stamped by the gateway. */
  from?: string;
}
export type EventBody = UserEventBody | RoomEventBody;

/** An event as stored in history and fanned out live: its body plus its position and time. */
export type StoredEvent = EventBody & {
  /**
   * Stream position, `<epoch>:<ms>-<seq>`; increasing per target within an epoch. The epoch
   * changes when the target's history cannot be trusted to continue (see docs/protocol.md, "Offsets, epochs and recovery").
   */
  offset: string;
  /** Epoch ms when it was published. */
  ts: number;
};

/** What arrives on a target's live channel. */
export type LiveEvent =
  | { kind: 'event'; target: Target; event: StoredEvent }
  /** A user entered (first connection) or left (last connection) a room, on any gateway. Not stored. */
  | { kind: 'presence'; room: string; joined?: string; left?: string }
  /**
   * Live delivery of `target` was interrupted and is back (the broker's subscriber connection
   * dropped, or the broker restarted): events published meanwhile may never arrive live. The
   * listener reads the target's history since the last event it delivered, or says `gap`.
   */
  | { kind: 'resync'; target: Target };

/** Events after `since`, oldest first. */
export interface HistoryPage {
  events: StoredEvent[];
  /**
   * False when the reader missed events for good: `since` is of another epoch (the history it
   * came from is gone), behind what was trimmed, or beyond the tip. `events` is then empty.
   */
  recovered: boolean;
  /** The newest offset of the target (`<epoch>:0-0` when it never had an event). */
  tip: string;
}

export interface ConsumeOptions {
  /**
   * The methods this consumer runs. Calls are routed by method: it receives calls to these and
   * to nothing else, so workers serving different methods can share one broker.
   */
  methods: readonly string[];
  /**
   * Requests taken per read, and the most new ones this consumer runs at once. Requests taken
   * over from a dead consumer come first and may exceed it by up to `batch` more, so a busy
   * consumer still rescues abandoned calls within about 1.5 × `claimIdleMs`. @default 16
   */
  batch?: number;
  /**
   * A request whose lease nobody refreshed for this long is taken over from its (dead)
   * worker. A live consumer refreshes the lease of every call it runs every
   * `claimIdleMs / 3` (at least 10 ms apart), so a slow handler keeps its call however long
   * it runs; only the calls of a crashed or hung process are taken over. @default 10000
   */
  claimIdleMs?: number;
  /** Deliveries after which a request goes to the dead-letter stream and its caller gets -32603. @default 3 */
  maxDeliveries?: number;
}

/** A running consumer. */
export interface Consumer {
  /** Stop taking requests; resolves once the requests already taken are answered. */
  stop(): Promise<void>;
  /**
   * For tests: stop as a crashed process would — no new requests, no lease refreshes,
   * running handlers' answers dropped, nothing acknowledged. Its calls are then taken over
   * by another consumer after `claimIdleMs`, or dead-lettered after `maxDeliveries`.
   * (A handler that never settles is not a crash: its consumer is alive and keeps its lease.)
   */
  kill(): void;
}

/**
 * A worker's handler: never throws; failures are returned as `error` replies. It may answer
 * at once (no promise) when nothing in the call waits, which saves a broker in the same
 * process a few microtask turns per call.
 */
export type CallHandler = (request: CallRequest) => Omit<CallReply, 'id' | 'user'> | Promise<Omit<CallReply, 'id' | 'user'>>;

/**
 * Every method may reject with `BrokerUnavailableError` when the broker cannot be reached;
 * any other rejection means it was reached and refused (a bug, or data it cannot take).
 */
export interface Broker {
  /** Driver name, for logs and `/health`. */
  readonly name: 'memory' | 'redis';

  // ── calls: gateway side ─────────────────────────────────────────────────
  /**
   * Claim (user, id) for `windowMs` before enqueueing, so a resend never runs twice, even
   * when it reaches another gateway. See `Claim`.
   */
  claim(user: string, id: string, replyTo: string, windowMs: number): Promise<Claim>;
  /** Hand a claimed call to the workers (one of them takes it). */
  enqueue(request: CallRequest): Promise<void>;
  /**
   * `claim` by the request's user, id and replyTo, then `enqueue` it when it is new: what a
   * gateway does with every call, in one round trip on Redis (one script).
   */
  submit(request: CallRequest, windowMs: number): Promise<Claim>;
  /** Receive the replies addressed to `replyTo`, one reader per gateway. Returns the function that stops it. */
  replies(replyTo: string, onReply: (reply: CallReply) => void): () => Promise<void>;

  // ── calls: worker side ──────────────────────────────────────────────────
  /**
   * Take requests to `options.methods` as consumer `name` of the workers' group, run `handle`, store its reply
   * for the (user, id) window and answer every waiter, then acknowledge. A request past its
   * deadline is not run: it is answered the same way with -32003 (so a resend waiting on
   * its claim gets an answer too), then acknowledged. The consumer refreshes the lease of
   * the calls it runs; a call whose lease ran out (its worker died) is taken over.
   */
  consume(name: string, handle: CallHandler, options: ConsumeOptions): Consumer;

  // ── events ──────────────────────────────────────────────────────────────
  /** Store `body` in the target's history and fan it out live. Resolves with the stored event. */
  publish(target: Target, body: EventBody): Promise<StoredEvent>;
  /**
   * Events of `target` after `since` (exclusive), or none and the tip when `since` is omitted.
   * Not recovered (and no events) when `since` is of another epoch, trimmed, or beyond the tip.
   */
  history(target: Target, since?: string): Promise<HistoryPage>;
  /**
   * Receive the live events and presence changes of `target`. A gateway subscribes only to
   * targets it has connections for. Returns the function that stops it.
   */
  subscribe(target: Target, onEvent: (event: LiveEvent) => void): () => void;

  // ── presence ────────────────────────────────────────────────────────────
  /**
   * Mark connection `conn` of `user` present in `room` for `ttlMs` (call again to refresh).
   * Announces `joined` on the room's channel when it is the user's first live connection there.
   */
  enter(room: string, user: string, conn: string, ttlMs: number): Promise<void>;
  /** Remove the connection; announces `left` when it was the user's last one in the room. */
  exit(room: string, user: string, conn: string): Promise<void>;
  /** Users with at least one live connection in `room`. */
  members(room: string): Promise<string[]>;

  // ── method directory ────────────────────────────────────────────────────
  /**
   * Worker `worker`: it serves these methods (name → JSON Schema description, for
   * `system.describe`) for the next `ttlMs`; a live worker announces again before that ends.
   */
  advertise(worker: string, methods: Record<string, unknown>, ttlMs: number): Promise<void>;
  /** Worker `worker` stops serving `methods` (it is shutting down). */
  withdraw(worker: string, methods: readonly string[]): Promise<void>;
  /**
   * Gateway: every method some live worker serves, with its description. A call to any other
   * method has nowhere to go: the gateway answers it -32601 at once.
   */
  methods(): Promise<Record<string, unknown>>;

  /** Whether the broker can serve right now (for `/health`). */
  ping(): Promise<boolean>;
  /** Stop every reader and release connections. */
  close(): Promise<void>;
}

/** Options every driver takes. */
export interface BrokerOptions {
  /** Prefix of every key and channel. @default 'tether:' */
  prefix?: string;
  /** Events kept per target for recovery. @default 1000 */
  historyMaxLen?: number;
  /** Age after which events are trimmed from history. @default 600000 (10 min) */
  historyMaxAgeMs?: number;
}
