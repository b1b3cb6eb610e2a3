/**
 * The gateway's Prometheus metrics, behind a small typed facade so callers never spell a
 * metric or label name. Each gateway gets its own registry (not prom-client's global one), so
 * tests and several gateways in one process never clash over "already registered" metrics.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Target } from '../broker/broker.ts';

/** How a call ended: answered, answered with an error, no answer in time, or refused before reaching a worker. */
export type CallOutcome = 'ok' | 'error' | 'timeout' | 'rejected';
/** The kind of an event, as the `kind` label spells it. */
export type EventKind = 'notification' | 'broadcast' | 'room';

export interface MetricsOptions {
  /**
   * Distinct `method` label values kept; later new names are counted as `(other)`. Method names
   * come from clients, so without a cap anyone could grow the registry without bound.
   * @default 200
   */
  maxMethods?: number;
  /** Collect prom-client's default Node metrics (CPU, memory, event loop, GC). @default true */
  defaultMetrics?: boolean;
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
  /** The Prometheus text exposition of every metric. */
  render(): Promise<string>;
  /** The `Content-Type` of `render()`'s output. */
  readonly contentType: string;
}

/** Seconds; from a sub-millisecond built-in (`system.ping`) up to the default 30 s call timeout. */
const CALL_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const OTHER_METHOD = '(other)';
const KIND_OF: Record<Target['kind'], EventKind> = { user: 'notification', broadcast: 'broadcast', room: 'room' };

export function createMetrics(options: MetricsOptions = {}): Metrics {
  const { maxMethods = 200, defaultMetrics = true } = options;
  const registry = new Registry();
  if (defaultMetrics) collectDefaultMetrics({ register: registry });

  const connections = new Gauge({ name: 'tether_connections', help: 'Open WebSocket connections.', registers: [registry] });
  const calls = new Counter({
    name: 'tether_calls_total',
    help: 'Calls finished, by method and outcome (ok, error, timeout, rejected).',
    labelNames: ['method', 'outcome'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'tether_call_duration_seconds',
    help: 'Time from receiving a call to sending its answer.',
    labelNames: ['method'] as const,
    buckets: CALL_BUCKETS,
    registers: [registry],
  });
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
  // Pre-create the fixed label sets so dashboards see zeros rather than missing series.
  for (const kind of Object.values(KIND_OF)) events.labels(kind).inc(0);

  const methods = new Set<string>();
  const methodLabel = (method: string) => {
    if (methods.has(method)) return method;
    if (methods.size >= maxMethods) return OTHER_METHOD;
    methods.add(method);
    return method;
  };

  return {
    registry,
    connectionOpened: () => connections.inc(),
    connectionClosed: () => connections.dec(),
    callDone(method, outcome, seconds) {
      const label = methodLabel(method);
      calls.labels(label, outcome).inc();
      duration.labels(label).observe(seconds);
    },
    brokerError: (op) => brokerErrors.labels(op).inc(),
    eventPublished: (target) => events.labels(KIND_OF[target.kind]).inc(),
    render: () => registry.metrics(),
    contentType: registry.contentType,
  };
}
