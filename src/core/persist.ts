/**
 * Recovery across reloads (`persist: 'session' | 'local'`): the positions of the user's and the
 * broadcast streams and of joined rooms, saved when the page is hidden or left, under a key of
 * the gateway URL and the user, and read back by the next page of the same user, which then
 * resumes from them. Another user's page finds nothing and starts fresh; a position the gateway
 * can no longer replay from comes back as `gap`, as after any reconnect.
 */
import type { StorageLike } from './environment.ts';

/** What is saved: stream positions (`u`: the user's, `b`: broadcasts) and rooms' (`r`). */
export interface Positions {
  u?: string | undefined;
  b?: string | undefined;
  r?: Record<string, string>;
}

const keyOf = (url: string, user: string) => `tether:v1:${url}:${user}`;

export function createPersistence(storage: StorageLike | undefined) {
  return {
    load(url: string, user: string): Positions | undefined {
      try {
        return JSON.parse(storage?.getItem(keyOf(url, user)) ?? 'null') ?? undefined;
      } catch {
        return undefined;
      }
    },
    save(url: string, user: string, p: Positions) {
      try {
        storage?.setItem(keyOf(url, user), JSON.stringify(p));
      } catch {
        // Full or disabled storage: the next page resumes from the gateway's tips instead (and says gap).
      }
    },
  };
}
