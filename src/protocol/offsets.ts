/**
 * Positions in an event stream: `<epoch>:<ms>-<seq>`. The `<ms>-<seq>` part is the form of a
 * Redis stream id; the epoch names one life of the stream's history, and changes whenever
 * that history cannot be trusted to continue the previous one (the stream was recreated, the
 * broker restarted without its data). Positions of two epochs have no order: whoever holds
 * the older one missed events it can never get, and must be told `gap`.
 * An offset without an epoch (from before epochs existed) is of an epoch of its own.
 */

/** Split an offset into epoch, ms and seq. */
function parts(offset: string): [string, number, number] {
  const at = offset.indexOf(':');
  const [ms = 0, seq = 0] = offset.slice(at + 1).split('-').map(Number);
  return [offset.slice(0, at + 1), ms, seq];
}

/**
 * Negative if `a` comes before `b`, zero if equal, positive if after; `NaN` when they belong
 * to different epochs (so both `<= 0` and `> 0` are false: neither a duplicate nor a successor).
 */
export function compareOffsets(a: string, b: string): number {
  const [ae, am, as] = parts(a);
  const [be, bm, bs] = parts(b);
  return ae !== be ? NaN : am - bm || as - bs;
}

/** The epoch of `offset` (`''` for an offset without one). */
export const epochOf = (offset: string) => parts(offset)[0].slice(0, -1);
