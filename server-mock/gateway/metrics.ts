/**
 * The gateway's Prometheus metrics, behind a small typed facade so callers never spell a
 * metric or label name. Each gateway gets its own registry (not prom-client's global one), so
 * tests and several gateways in one process never clash over "already registered" metrics.
 *
 * Every label is bounded, because label values come from clients: a method name is a label
 * only if some worker serves it (`knownMethods`), and at most `maxLabelLength` characters of
 * it; the other labels take values from fixed lists, anything else counting as `other`.
 */
import { LIMIT_NAMES, type LimitName } from './limits-defaults.ts';
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import { createCallMetrics } from './call-metrics.ts';
import type { Target } from '../broker/broker.ts';
import { REFUSAL_KINDS, type RefusalKind } from './auth.ts';
import { ROOM_DECIDERS, type RoomAction, type RoomDecider } from './room-policy.ts';

/** How a call ended: answered, answered with an error, no answer in time, or refused before reaching a worker. */
export type { CallOutcome } from './call-metrics.ts';
import type { CallOutcome } from './call-metrics.ts';
/** The kind of an event, as the `kind` label spells it. */
export type EventKind = 'notification' | 'broadcast' | 'room';

export { LIMIT_NAMES, type LimitName } from './limits-defaults.ts';

/** Why an upgrade to WebSocket was refused, as the `reason` label spells it. */
export const UPGRADE_REFUSALS = ['origin', 'subprotocol', 'draining', 'preauth', 'busy'] as const;
export type UpgradeRefusal = (typeof UPGRADE_REFUSALS)[number];

export interface MetricsOptions {
  /**
   * Whether a method is served by some worker (or built in); the others are counted as
   * `(unknown)`, since their names come from clients. Absent: the first `maxMethods` names
   * seen get their own label (for the RPC proxy mode, where nothing lists the methods).
   * @default undefined
   */
  knownMethods?: ((method: string) => boolean) | undefined;
  /**
   * Distinct `method` label values kept; later new names are counted as `(other)`. A backstop
   * behind `knownMethods`, and the only bound without it.
   * @default 200
   */
  maxMethods?: number | undefined;
  /** Longer label values are cut to this many characters (ending in `…`). @default 64 */
  maxLabelLength?: number | undefined;
  /** Collect prom-client's default Node metrics (CPU, memory, event loop, GC). @default true */
  defaultMetrics?: boolean | undefined;
}

export interface Metrics {
  /** The registry behind `/metrics`. */
  readonly registry: Registry;
  /** A WebSocket connection was accepted. */
  connectionOpened(): void;
  /** A WebSocket connection ended (however it ended). */
  connectionClosed(): void;
  /** A call finished after `seconds` (from receiving the frame to sending the answer). */
  callDone(method: string, outcome: CallOutcome, seconds: number): void;
  /** A broker operation (`publish`, `enqueue`, `ping`, …) failed. */
  brokerError(op: string): void;
  /** An event was published to `target` (through the API or `rooms.publish`). */
  eventPublished(target: Target): void;
  /** A limit was hit: a socket closed, a call or join refused. */
  limitTripped(limit: LimitName): void;
  /** An upgrade to WebSocket was refused before a socket existed. */
  upgradeRefused(reason: UpgradeRefusal): void;
  /** A token was refused (`auth`, `auth.refresh`, or a room token). */
  authRefused(kind: RefusalKind): void;
  /** The room policy refused an operation. */
  roomRefused(action: RoomAction, rule: RoomDecider): void;
  /** The Prometheus text exposition of every metric. */
  render(): Promise<string>;
  /** The `Content-Type` of `render()`'s output. */
  readonly contentType: string;
}

/** Seconds; from a sub-millisecond built-in (`system.ping`) up to the default 30 s call timeout. */
const CALL_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const OTHER_METHOD = '(other)';
const UNKNOWN_METHOD = '(unknown)';
const OTHER = 'other';
const ROOM_ACTIONS: readonly RoomAction[] = ['join', 'publish', 'presence'];
const KIND_OF: Record<Target['kind'], EventKind> = { user: 'notification', broadcast: 'broadcast', room: 'room' };

export function createMetrics(options: MetricsOptions = {}): Metrics {
  const { knownMethods, maxMethods = 200, maxLabelLength = 64, defaultMetrics = true } = options;
  const registry = new Registry();
  if (defaultMetrics) collectDefaultMetrics({ register: registry });

  const connections = new Gauge({ name: 'tether_connections', help: 'Open WebSocket connections.', registers: [registry] });
  const calls = createCallMetrics(registry, CALL_BUCKETS);
  const brokerErrors = new Counter({
    name: 'tether_broker_errors_total',
    help: 'Failed broker operations, by operation.',
    labelNames: ['op'] as const,
    registers: [registry],
  });
  const events = new Counter({
    name: 'tether_events_total',
    help: 'Events published, by kind (notification, broadcast, room).',
    labelNames: ['kind'] as const,
    registers: [registry],
  });
  const limitTrips = new Counter({
    name: 'tether_limit_trips_total',
    help: 'Limits hit, by limit (rooms_per_connection, connections_per_user, calls_per_user, slow_consumer…).',
    labelNames: ['limit'] as const,
    registers: [registry],
  });
  const upgradesRefused = new Counter({
    name: 'tether_upgrades_refused_total',
    help: 'WebSocket upgrades refused, by reason (origin, subprotocol, draining).',
    labelNames: ['reason'] as const,
    registers: [registry],
  });
  const authRefusals = new Counter({
    name: 'tether_auth_refusals_total',
    help: 'Tokens refused, by kind (no-token, expired, bad-signature, wrong-audience…).',
    labelNames: ['kind'] as const,
    registers: [registry],
  });
  const roomRefusals = new Counter({
    name: 'tether_room_refusals_total',
    help: 'Room operations refused, by action (join, publish, presence) and the rule that refused.',
    labelNames: ['action', 'rule'] as const,
    registers: [registry],
  });
  // Pre-create the fixed label sets so dashboards see zeros rather than missing series.
  for (const kind of Object.values(KIND_OF)) events.labels(kind).inc(0);
  for (const limit of LIMIT_NAMES) limitTrips.labels(limit).inc(0);
  for (const reason of UPGRADE_REFUSALS) upgradesRefused.labels(reason).inc(0);

  const cap = (value: string) => (value.length > maxLabelLength ? `${value.slice(0, maxLabelLength - 1)}…` : value);
  /** `value` when it is one of `allowed` (callers in plain JS can pass anything), else `other`. */
  const oneOf = <T extends string>(allowed: readonly T[], value: string): string => ((allowed as readonly string[]).includes(value) ? value : OTHER);
  const methods = new Set<string>();
  const methodLabel = (method: string) => {
    if (knownMethods && !knownMethods(method)) return UNKNOWN_METHOD;
    const label = cap(method);
    if (methods.has(label)) return label;
    if (methods.size >= maxMethods) return OTHER_METHOD;
    methods.add(label);
    return label;
  };

  return {
    registry,
    connectionOpened: () => connections.inc(),
    connectionClosed: () => connections.dec(),
    callDone: (method, outcome, seconds) => calls.done(methodLabel(method), outcome, seconds),
    brokerError: (op) => brokerErrors.labels(cap(op)).inc(),
    eventPublished: (target) => events.labels(KIND_OF[target.kind]).inc(),
    limitTripped: (limit) => limitTrips.labels(oneOf(LIMIT_NAMES, limit)).inc(),
    upgradeRefused: (reason) => upgradesRefused.labels(oneOf(UPGRADE_REFUSALS, reason)).inc(),
    authRefused: (kind) => authRefusals.labels(oneOf(REFUSAL_KINDS, kind)).inc(),
    roomRefused: (action, rule) => roomRefusals.labels(oneOf(ROOM_ACTIONS, action), oneOf(ROOM_DECIDERS, rule)).inc(),
    render: () => registry.metrics(),
    contentType: registry.contentType,
  };
}
