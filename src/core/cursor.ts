/**
 * One stream cursor: where the client is in one event stream (its user's notifications, the
 * broadcasts, a room). It is what the client sends to resume, what drops an event seen twice,
 * and what notices a hole: an event of another epoch than the cursor's means the history
 * before it is gone, so the app must refetch (`gap`).
 */
import { compareOffsets } from '../protocol/offsets.ts';

export interface Cursor {
  /** The last offset seen (or where the stream started), if any. */
  at(): string | undefined;
  /** Start or restart at `offset` (undefined: forget the position). */
  set(offset: string | undefined): void;
  /**
   * An event at `offset` arrived: false for one already seen (drop it), `'gap'` for the first
   * of another epoch (deliver it, after telling the app it missed some), true otherwise.
   */
  see(offset: string): boolean | 'gap';
}

export function createCursor(): Cursor {
  let last: string | undefined;
  return {
    at: () => last,
    set: (offset) => void (last = offset),
    see(offset) {
      const order = last === undefined ? 1 : compareOffsets(offset, last);
      if (order <= 0) return false;
      last = offset;
      return order === order || 'gap';
    },
  };
}
