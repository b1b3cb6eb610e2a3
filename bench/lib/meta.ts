/** Where and with what a benchmark ran: the machine, the runtimes and the package versions. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, totalmem, release, platform } from 'node:os';
import { Redis } from 'ioredis';

export interface Meta {
  date: string;
  command: string;
  commit: string;
  machine: string;
  node: string;
  redis: string;
  packages: Record<string, string>;
}

const version = (pkg: string) => {
  try {
    return (JSON.parse(readFileSync(new URL(`../../node_modules/${pkg}/package.json`, import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return 'not installed';
  }
};

export async function readMeta(command: string, redisUrl: string): Promise<Meta> {
  const cpu = cpus();
  let redis = 'unreachable';
  const r = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await r.connect();
    redis = /redis_version:(\S+)/.exec(String(await r.info('server')))?.[1] ?? 'unknown';
  } catch {
    // reported as unreachable; the suites that need Redis fail on their own with the reason
  } finally {
    r.disconnect();
  }
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  } catch {
    // not a git checkout
  }
  return {
    date: new Date().toISOString(),
    command,
    commit,
    machine: `${cpu.length} × ${cpu[0]?.model.trim() ?? 'unknown CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB, ${platform()} ${release()}`,
    node: process.version,
    redis,
    packages: Object.fromEntries(
      ['ws', 'ioredis', 'zod', 'jose', 'socket.io', 'socket.io-client', 'centrifuge', '@trpc/client', 'phoenix', 'partysocket', 'esbuild'].map((p) => [p, version(p)]),
    ),
  };
}
