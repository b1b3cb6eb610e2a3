/** The Python worker ships the Node broker's Lua scripts unchanged (see lua-scripts.ts). */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { luaFolder, pythonLuaScripts } from './lua-scripts.ts';

describe("the Python worker's Lua scripts", () => {
  for (const [name, lua] of Object.entries(pythonLuaScripts)) {
    it(`${name} is the Node broker's script, byte for byte`, () => {
      const shipped = readFileSync(new URL(name, luaFolder), 'utf8');
      // On a mismatch: npx tsx server-mock/python/lua-scripts.ts
      expect(shipped).toBe(lua);
    });
  }
});
