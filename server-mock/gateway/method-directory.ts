/**
 * Which methods exist: the built-in `system.*` ones and whatever the workers announce in the
 * broker's method directory, reloaded every `refreshMs`. The metrics ask it before giving a
 * method name its own label, so a client inventing names cannot grow `/metrics`.
 */
import type { Logger } from 'pino';
import { systemMethod } from './system-methods.ts';

export interface MethodDirectoryOptions {
  /** The workers' methods, e.g. `() => broker.methods()` (names → descriptions) or a list of names. */
  load: () => Promise<Record<string, unknown> | Iterable<string>>;
  /** How often the list is reloaded; workers come and go. @default 10000 */
  refreshMs?: number | undefined;
  /** A name not on the list reloads it, at most this often, so a worker that just started is known within about this long. @default 1000 */
  missRefreshMs?: number | undefined;
  /** Names kept at most: the directory is written by workers, but a bound costs nothing. @default 10000 */
  maxMethods?: number | undefined;
  /** Where a failed reload is reported (once until the next success). @default undefined */
  logger?: Pick<Logger, 'warn'> | undefined;
}

export interface MethodDirectory {
  /** Whether `method` is built in or served by some worker, as of the last reload. */
  has(method: string): boolean;
  /**
   * The same, for routing a call: a name not on the list reloads it first (at most once per
   * `missRefreshMs`), so a call to a method whose worker just started is not refused.
   */
  check(method: string): Promise<boolean>;
  /** Reload now; never rejects (a failure keeps the previous list). */
  refresh(): Promise<void>;
  /** Stop reloading. */
  close(): void;
}

export function createMethodDirectory(options: MethodDirectoryOptions): MethodDirectory {
  const { load, refreshMs = 10_000, missRefreshMs = 1000, maxMethods = 10_000, logger } = options;
  let names = new Set<string>();
  let failing = false;
  let lastMissRefresh = 0;
  let loading: Promise<void> | undefined;

  /** One reload at a time, whoever asks. */
  const refresh = () => (loading ??= reload().finally(() => (loading = undefined)));
  async function reload() {
    try {
      const loaded = await load();
      const list = Symbol.iterator in loaded ? [...(loaded as Iterable<string>)] : Object.keys(loaded);
      names = new Set(list.slice(0, maxMethods));
      failing = false;
    } catch (err) {
      if (!failing) logger?.warn({ err }, 'method directory: reload failed; keeping the previous list');
      failing = true;
    }
  }

  const known = (method: string) => names.has(method) || systemMethod(method) !== undefined;
  /** A name not on the list: reload, unless that was done within `missRefreshMs` (then wait for the one running, if any). */
  function missed(): Promise<void> {
    if (Date.now() - lastMissRefresh < missRefreshMs) return loading ?? Promise.resolve();
    lastMissRefresh = Date.now();
    return refresh();
  }

  void refresh();
  const timer = setInterval(() => void refresh(), refreshMs);
  timer.unref();

  return {
    has(method) {
      if (known(method)) return true;
      void missed();
      return false;
    },
    async check(method) {
      if (known(method)) return true;
      await missed();
      return known(method);
    },
    refresh,
    close: () => clearInterval(timer),
  };
}
