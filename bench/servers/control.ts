/**
 * The child side of a benchmark server: tells the parent it is ready (with its port), and
 * answers the parent's commands over Node's IPC channel. Every server answers `memory`
 * (RSS and heap after a full GC, the idle cost the memory suite divides per connection).
 */

export type Handlers = Record<string, (args: Record<string, unknown>) => unknown>;

interface Command {
  id: number;
  cmd: string;
  args?: Record<string, unknown>;
}

/** Full GC, then RSS and heap; `--expose-gc` comes from the parent (see children.ts). */
export function memory() {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  gc?.();
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers };
}

/** Announce readiness and answer commands until the parent goes away. */
export function serve(ready: Record<string, unknown>, handlers: Handlers = {}) {
  if (!process.send) throw new Error('a benchmark server runs as a child of bench/run.ts (it needs the IPC channel)');
  const all: Handlers = { memory, ...handlers };
  process.on('message', async (m: Command) => {
    const handler = all[m.cmd];
    try {
      if (!handler) throw new Error(`unknown command ${m.cmd}`);
      process.send!({ id: m.id, ok: true, value: await handler(m.args ?? {}) });
    } catch (error) {
      process.send!({ id: m.id, ok: false, error: error instanceof Error ? error.message : String(error) });
    }
  });
  // The parent died or dropped us: no orphans left holding ports.
  process.on('disconnect', () => process.exit(0));
  // An orderly exit on SIGTERM (servers with their own shutdown register theirs first), so `--cpu-prof` gets written.
  if (process.listenerCount('SIGTERM') === 0) process.once('SIGTERM', () => process.exit(0));
  process.send({ ready: true, ...ready });
}
