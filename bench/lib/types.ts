/**
 * What every benchmark suite is: a `run` that measures and returns plain JSON (kept in
 * `bench/results.json`), and a `render` that turns those results into its section of
 * BENCHMARKS.md, its SVG charts and its targets. Rendering never measures, so the report
 * can be rebuilt from stored results after one suite is re-run.
 */

export interface SuiteContext {
  /** A few seconds per suite with tiny counts, for `npm test`: proves the code runs, measures nothing. */
  smoke: boolean;
  /** Repetitions per figure (at least 3 in a full run). */
  reps: number;
  /** Redis for the Redis-backed measurements. */
  redisUrl: string;
  /** Progress on stderr. */
  log(message: string): void;
}

/** One figure over the repetitions: their median, and the smallest and largest. */
export interface Spread {
  median: number;
  min: number;
  max: number;
}

/** A target of the benchmark issue, reported as met or not (a miss is a finding, not a failure). */
export interface Target {
  name: string;
  /** The measured value, formatted. */
  measured: string;
  /** The bound, formatted ("≤ 1.5× raw ws"). */
  bound: string;
  met: boolean;
}

export interface Rendered {
  /** Markdown of the suite's section, without its heading; charts are referenced as `bench/charts/<file>`. */
  markdown: string;
  /** SVG charts by file name (`rpc-latency.svg`). */
  charts: Record<string, string>;
  targets: Target[];
}

export interface Suite<R = unknown> {
  name: string;
  title: string;
  /** What the suite measures, one sentence, for the report and `--help`. */
  about: string;
  run(ctx: SuiteContext): Promise<R>;
  render(result: R): Rendered;
}

/** A suite with its result type forgotten, for the registry. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnySuite = Suite<any>;

export const defineSuite = <R>(suite: Suite<R>): Suite<R> => suite;
