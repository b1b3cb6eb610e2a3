/**
 * Remove what a benchmark left in Redis under its key prefix (streams of 100,000 requests,
 * histories, reply streams), so repeated runs do not fill the shared Redis and slow down
 * the runs after them. Never anything outside the prefix.
 */
import { Redis } from 'ioredis';

export async function dropPrefix(redisUrl: string, prefix: string): Promise<void> {
  if (!prefix.startsWith('bench-')) throw new Error(`refusing to delete keys outside a benchmark prefix: ${prefix}`);
  const r = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await r.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await r.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    r.disconnect();
  }
}
