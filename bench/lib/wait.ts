/**
 * Waiting for a condition by polling. Only for noticing that something happened: timings are
 * taken where the event happens, never from when the poll saw it.
 */

/** Resolves `true` once `check()` holds, `false` if `timeoutMs` passes first. */
export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number, everyMs = 10): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() >= end) return false;
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
