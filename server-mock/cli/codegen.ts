#!/usr/bin/env node
/**
 * `tether-codegen`: a typed contract module (`defineContract` with zod schemas) from the
 * methods the workers announce, in whatever language they are written, so `client.api.*` is
 * typed and validated from the worker's own models. `--check` fails when the file is stale.
 *
 *   tether-codegen --out src/contract.ts --url ws://127.0.0.1:8080 --token <jwt>   (or JWT_SECRET=…)
 *   tether-codegen --out src/contract.ts --redis-url redis://127.0.0.1:6379 [--prefix tether:]
 *   tether-codegen --out src/contract.ts --from describe.json [--check]
 */
import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { generateContract } from '../codegen/generate.ts';
import { fromFile, fromGateway, fromRedis } from '../codegen/sources.ts';

const usage = `usage: tether-codegen --out <file.ts> (--from <describe.json> | --url <ws://gateway> [--token <jwt>] | --redis-url <redis://…> [--prefix tether:]) [--name contract] [--check]`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      out: { type: 'string' },
      from: { type: 'string' },
      url: { type: 'string' },
      token: { type: 'string' },
      'redis-url': { type: 'string' },
      prefix: { type: 'string' },
      name: { type: 'string' },
      check: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  const sources = [values.from, values.url, values['redis-url']].filter(Boolean).length;
  if (values.help || !values.out || sources !== 1) {
    console.error(usage);
    return values.help ? 0 : 2;
  }
  const describe = values.from
    ? await fromFile(values.from)
    : values.url
      ? await fromGateway(values.url, { token: values.token ?? process.env.TETHER_TOKEN, jwtSecret: process.env.JWT_SECRET })
      : await fromRedis(values['redis-url']!, values.prefix ?? process.env.PREFIX ?? 'tether:');
  const source = values.from ? values.from : values.url ? 'system.describe' : 'the Redis method directory';
  const text = await generateContract(describe, { source, name: values.name });
  if (values.check) {
    const current = await readFile(values.out, 'utf8').catch(() => '');
    if (current !== text) {
      console.error(`${values.out} is not what tether-codegen generates now: run it without --check and commit the result.`);
      return 1;
    }
    console.log(`${values.out} is up to date`);
    return 0;
  }
  await writeFile(values.out, text);
  console.log(`wrote ${values.out}`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  },
);
