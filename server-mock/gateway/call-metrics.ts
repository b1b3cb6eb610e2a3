/**
 * The two per-call metrics (`tether_calls_total` and `tether_call_duration_seconds`), kept as
 * plain numbers per method and turned into prom-client's exposition only when `/metrics` is
 * read. prom-client's own counters and histograms validate and hash their labels on every
 * observation, even through a child from `labels()`: at tens of thousands of calls a second
 * that was a tenth of the gateway's CPU, for figures read every few seconds.
 */
import type { Registry } from 'prom-client';

export type CallOutcome = 'ok' | 'error' | 'timeout' | 'rejected';

interface Series {
  outcomes: Map<CallOutcome, number>;
  /** Observations per bucket (not cumulative), the last one past every bound (`+Inf`). */
  buckets: number[];
  sum: number;
  count: number;
}

/** What prom-client's registry reads of a metric (`getMetricsAsString`). */
interface Exposed {
  name: string;
  help: string;
  type: 'counter' | 'histogram';
  aggregator: 'sum';
  get(): Promise<{ name: string; help: string; type: string; aggregator: string; values: { labels: Record<string, string | number>; value: number; metricName?: string }[] }>;
}

export function createCallMetrics(registry: Registry, bounds: readonly number[]) {
  /** By method label; the caller bounds the labels. In insertion order, so the exposition is stable. */
  const series = new Map<string, Series>();

  const metric = (name: string, help: string, type: Exposed['type'], values: () => Awaited<ReturnType<Exposed['get']>>['values']): Exposed => ({
    name,
    help,
    type,
    aggregator: 'sum',
    get: async () => ({ name, help, type, aggregator: 'sum', values: values() }),
  });

  registry.registerMetric(
    metric('tether_calls_total', 'Calls finished, by method and outcome (ok, error, timeout, rejected).', 'counter', () =>
      [...series].flatMap(([method, s]) => [...s.outcomes].map(([outcome, value]) => ({ labels: { method, outcome }, value }))),
    ) as unknown as Parameters<Registry['registerMetric']>[0],
  );
  registry.registerMetric(
    metric('tether_call_duration_seconds', 'Time from receiving a call to sending its answer.', 'histogram', () =>
      [...series].flatMap(([method, s]) => {
        let cumulative = 0;
        const name = 'tether_call_duration_seconds';
        return [
          ...[...bounds, '+Inf' as const].map((le, i) => ({ labels: { le, method }, value: (cumulative += s.buckets[i]!), metricName: `${name}_bucket` })),
          { labels: { method }, value: s.sum, metricName: `${name}_sum` },
          { labels: { method }, value: s.count, metricName: `${name}_count` },
        ];
      }),
    ) as unknown as Parameters<Registry['registerMetric']>[0],
  );

  return {
    /** A call to (the method labelled) `method` ended with `outcome` after `seconds`. */
    done(method: string, outcome: CallOutcome, seconds: number) {
      let s = series.get(method);
      if (!s) series.set(method, (s = { outcomes: new Map(), buckets: new Array<number>(bounds.length + 1).fill(0), sum: 0, count: 0 }));
      s.outcomes.set(outcome, (s.outcomes.get(outcome) ?? 0) + 1);
      let i = 0;
      while (i < bounds.length && seconds > bounds[i]!) i++;
      s.buckets[i]!++;
      s.sum += seconds;
      s.count++;
    },
  };
}
