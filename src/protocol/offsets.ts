/**
 * Offsets are `<ms>-<seq>` positions in an event stream (the form of Redis stream ids).
 * Neither string nor float comparison orders them, so both parts are compared as numbers.
 */

/** Negative if `a` comes before `b`, zero if equal, positive if after. */
export function compareOffsets(a: string, b: string): number {
  const [am = 0, as = 0] = a.split('-').map(Number);
  const [bm = 0, bs = 0] = b.split('-').map(Number);
  return am - bm || as - bs;
}
