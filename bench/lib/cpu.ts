/**
 * CPU time spent by each process of a system under test, so a benchmark can say how many µs
 * of CPU one call costs in each process. On two shared cores throughput blurs (four processes
 * take turns), while CPU per call is what a deployment with cores to spare pays. The
 * benchmark process reads its own with `process.cpuUsage()`; every other process (servers,
 * Redis) from `/proc/<pid>/stat`, which counts in clock ticks (10 ms here), fine enough over
 * the tens of thousands of calls of one repetition.
 */
import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';

/** A process of a system, by the role the report names it by. */
export interface Proc {
  role: string;
  /** A pid, or `'self'` for the benchmark process (the client side). */
  pid: number | 'self';
}

const TICK_US = 1e6 / 100; // CLK_TCK is 100 on Linux for every architecture Node supports

/** CPU time (user + system) of `pid` in µs, or undefined when it cannot be read (not Linux, gone). */
export function cpuOf(pid: number | 'self'): number | undefined {
  if (pid === 'self') {
    const u = process.cpuUsage();
    return u.user + u.system;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces; the fields after its closing parenthesis do not.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * TICK_US; // utime, stime: fields 14 and 15
  } catch {
    return undefined;
  }
}

/** Readings of every process now; `since` of a later snapshot gives the CPU spent between. */
export function cpuSnapshot(procs: readonly Proc[]) {
  const at = procs.map((p) => cpuOf(p.pid));
  return {
    /** µs of CPU per role spent since this snapshot, divided by `calls`. */
    perCall(calls: number): Record<string, number> {
      const out: Record<string, number> = {};
      procs.forEach((p, i) => {
        const now = cpuOf(p.pid);
        const before = at[i];
        if (now !== undefined && before !== undefined && calls > 0) out[p.role] = (now - before) / calls;
      });
      return out;
    },
  };
}

/**
 * The pid of the Redis server behind `url`, when it runs on this machine (its CPU can then be
 * read); undefined for a remote one. A Redis shared with other work counts that work too.
 */
export async function localRedisPid(url: string): Promise<number | undefined> {
  const host = new URL(url).hostname;
  if (!['127.0.0.1', 'localhost', '::1', '[::1]'].includes(host)) return undefined;
  const r = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await r.connect();
    const pid = Number(/process_id:(\d+)/.exec(String(await r.info('server')))?.[1]);
    return Number.isInteger(pid) && cpuOf(pid) !== undefined ? pid : undefined;
  } catch {
    return undefined;
  } finally {
    r.disconnect();
  }
}
