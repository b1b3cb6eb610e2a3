/**
 * The fault suite's worker method, and the log it keeps. `fault.work` appends a line to a
 * runs file when it starts and when it ends, then answers; the file survives what the cases
 * do to Redis and to the worker (an append is in the kernel before a SIGKILL can lose it),
 * so the test counts how many times each call ran, on which worker, under which call id.
 */
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import * as z from 'zod';
import { defineMethod } from '../worker/define.ts';

export function faultMethods(runsFile: string) {
  const note = (what: 'start' | 'end', key: string, callId: string, worker: string) =>
    appendFileSync(runsFile, `${what}\t${key}\t${callId}\t${worker}\t${Date.now()}\n`);
  return [
    defineMethod(
      'fault.work',
      {
        description: 'Works for `ms`, logging its start and end to the runs file.',
        params: z.object({ key: z.string().min(1), ms: z.number().int().min(0).max(60_000) }),
        result: z.object({ key: z.string(), worker: z.string() }),
      },
      async ({ key, ms }, ctx) => {
        note('start', key, ctx.callId, ctx.worker);
        await new Promise((r) => setTimeout(r, ms));
        note('end', key, ctx.callId, ctx.worker);
        return { key, worker: ctx.worker };
      },
    ),
  ];
}

/** One run of a call, as the runs file tells it. */
export interface Run {
  callId: string;
  worker: string;
  start: number;
  /** Absent: the run never finished (its worker died). */
  end?: number;
}

/** Every run of every call key in `file`, oldest first. */
export function readRuns(file: string): Map<string, Run[]> {
  const runs = new Map<string, Run[]>();
  if (!existsSync(file)) return runs;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const [what, key, callId, worker, at] = line.split('\t');
    if (!key || !callId || !worker || !at) continue;
    const list = runs.get(key) ?? [];
    runs.set(key, list);
    if (what === 'start') list.push({ callId, worker, start: Number(at) });
    else {
      const open = list.find((r) => r.worker === worker && r.callId === callId && r.end === undefined);
      if (open) open.end = Number(at);
    }
  }
  return runs;
}
