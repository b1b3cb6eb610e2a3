/**
 * The Lua scripts the Python worker (`tether_worker`) runs are the Node broker's own text:
 * `tether_worker/lua/*.lua` are copies of these, written by `npx tsx server-mock/python/lua-scripts.ts`
 * and compared by lua-scripts.test.ts, so the two workers cannot drift apart.
 */
import { writeFileSync } from 'node:fs';
import { answerScript } from '../broker/redis-consumer.ts';
import { advertiseScript } from '../broker/redis-directory.ts';
import { publishScript } from '../broker/redis-events.ts';

/** File name in `tether_worker/lua/` → the script's text. */
export const pythonLuaScripts: Record<string, string> = {
  'answer.lua': answerScript.lua,
  'advertise.lua': advertiseScript.lua,
  'publish.lua': publishScript.lua,
};

export const luaFolder = new URL('./tether_worker/lua/', import.meta.url);

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const [name, lua] of Object.entries(pythonLuaScripts)) writeFileSync(new URL(name, luaFolder), lua);
  console.log(`wrote ${Object.keys(pythonLuaScripts).join(', ')} to ${luaFolder.pathname}`);
}
