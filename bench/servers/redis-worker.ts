/**
 * The Redis floors' worker, without Tether: reads requests from a stream through a consumer
 * group, like Tether's workers, and answers each
 * - `MODE=stream`: on the requester's reply stream (XADD + XACK in one pipeline), the round
 *   trip Tether's broker is built from, minus idempotency, validation and the WebSocket hop;
 * - `MODE=blpop`: the seed design's way, `LPUSH` to the call's own list + `EXPIRE`, then XACK,
 *   for a requester blocked in `BLPOP` on that list.
 */
import { Redis } from 'ioredis';
import { parseRead } from '../../server-mock/broker/redis-shared.ts';
import { serve } from './control.ts';

const mode = process.env.MODE ?? 'stream';
const prefix = process.env.PREFIX ?? 'bench-floor:';
const stream = `${prefix}rpc`;
const group = 'floor-workers';
const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const reader = new Redis(url, { protocol: 2 });
const cmd = new Redis(url, { protocol: 2 });

await cmd.call('XGROUP', 'CREATE', stream, group, '0', 'MKSTREAM').catch(() => {});
let stopped = false;
void (async () => {
  while (!stopped) {
    const raw = await reader.call('XREADGROUP', 'GROUP', group, 'w1', 'COUNT', 100, 'BLOCK', 1000, 'STREAMS', stream, '>');
    const entries = parseRead(raw);
    if (entries.length === 0) continue;
    const send = cmd.pipeline();
    for (const entry of entries) {
      const request = JSON.parse(entry.fields.payload ?? '{}') as { id: string; replyTo: string; params: unknown };
      const reply = JSON.stringify({ id: request.id, result: request.params });
      if (mode === 'blpop') send.call('LPUSH', request.replyTo, reply).call('EXPIRE', request.replyTo, 60);
      else send.call('XADD', request.replyTo, 'MAXLEN', '~', 1000, '*', 'payload', reply);
      send.call('XACK', stream, group, entry.id);
    }
    await send.exec();
  }
})();

serve({ port: 0 }, {
  async stop() {
    stopped = true;
    reader.disconnect();
    await cmd.del(stream);
    cmd.disconnect();
    return true;
  },
});
