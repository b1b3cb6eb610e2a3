/**
 * A crowd of real client cores (the browser core on `ws`) in this process, one user each,
 * for the reconnect-storm suite. Every client's state changes after `mark()` are timestamped
 * as they happen: when it lost its connection and with which close code, each failed attempt
 * to get back, and when it was connected again.
 */
import { performance } from 'node:perf_hooks';
import { WebSocket } from 'ws';
import { createClient, type Client } from '../../src/core/client.ts';
import { benchToken } from './tether.ts';
import { waitFor } from './wait.ts';

/** What happened to each client since `mark()`; times in ms from the mark, NaN for never. */
export interface StormRecord {
  lostAt: number[];
  backAt: number[];
  /** Failed attempts of each client between losing its connection and getting it back. */
  failures: number[];
  /** Close code of each client's loss → how many clients saw it. */
  lostCodes: Record<string, number>;
  /** Close code of each failed attempt → how many attempts ended with it. */
  failureCodes: Record<string, number>;
  /** How long each failed attempt took, from `connecting` to `reconnecting`. */
  failedAttemptMs: number[];
  /** How much later than its backoff asked each retry started: this process's timer lag. */
  retryLateMs: number[];
}

export interface Crowd {
  readonly size: number;
  /** Attempts that failed while the crowd was opening: they raise a client's backoff, so a fair storm has none. */
  openFailures(): number;
  /** Start recording from now; times in the record count from this moment (returned, as `performance.now()`). */
  mark(): number;
  /** Clients connected again since the mark. */
  back(): number;
  record(): StormRecord;
  /** Close every client (they send 1000 and stop). */
  close(): void;
}

export interface CrowdOptions {
  url: string;
  size: number;
  /** Users are `${users}${i}`: distinct per client, and per crowd when the prefix is. */
  users: string;
  /** Clients opened at once; the next batch starts when these are all connected. */
  batch: number;
  /** For each batch to connect. */
  timeoutMs: number;
}

const bump = (counts: Record<string, number>, code: number | undefined) => {
  const k = String(code ?? 'none');
  counts[k] = (counts[k] ?? 0) + 1;
};

/** Open `size` clients in batches; resolves when all are connected, throws if a batch is not in time. */
export async function openCrowd(o: CrowdOptions): Promise<Crowd> {
  const clients: Client[] = [];
  let opening = 0;
  let t0 = Number.NaN;
  let back = 0;
  const rec: StormRecord = { lostAt: [], backAt: [], failures: [], lostCodes: {}, failureCodes: {}, failedAttemptMs: [], retryLateMs: [] };

  const add = (i: number) => {
    // Signed once per client and handed out on every attempt, as a browser hands out the token
    // it got at login: minting one per attempt (HMAC via WebCrypto) was a fifth of this
    // process's CPU in a storm, a cost of the load generator that no real client pays.
    const token = benchToken(`${o.users}${i}`);
    const client = createClient({ url: o.url, token: () => token, WebSocket });
    rec.lostAt.push(Number.NaN);
    rec.backAt.push(Number.NaN);
    rec.failures.push(0);
    let attemptAt = 0;
    // `nextRetryAt` is on the wall clock (the client's `now`), so lateness is measured on it too.
    let retryAt = 0;
    client.on('state', (e) => {
      const now = performance.now();
      if (Number.isNaN(t0)) {
        if (e.to === 'reconnecting') opening++;
        return;
      }
      if (!Number.isNaN(rec.backAt[i]!)) return; // back already: later changes are another storm
      if (e.to === 'connecting') {
        attemptAt = now;
        if (retryAt) rec.retryLateMs.push(Date.now() - retryAt);
      }
      if (e.to === 'reconnecting') retryAt = client.getSnapshot().nextRetryAt ?? 0;
      if (Number.isNaN(rec.lostAt[i]!)) {
        if (e.from !== 'connected') return;
        rec.lostAt[i] = now - t0;
        bump(rec.lostCodes, e.code);
      } else if (e.to === 'connected') {
        rec.backAt[i] = now - t0;
        back++;
      } else if (e.to === 'reconnecting') {
        rec.failures[i]!++;
        bump(rec.failureCodes, e.code);
        rec.failedAttemptMs.push(now - attemptAt);
      }
    });
    clients.push(client);
  };

  const connected = () => clients.reduce((n, c) => n + (c.getSnapshot().state === 'connected' ? 1 : 0), 0);
  const crowd: Crowd = {
    size: o.size,
    openFailures: () => opening,
    mark: () => (t0 = performance.now()),
    back: () => back,
    record: () => rec,
    close() {
      for (const c of clients) c.close();
    },
  };
  try {
    for (let i = 0; i < o.size; ) {
      const end = Math.min(o.size, i + o.batch);
      for (; i < end; i++) add(i);
      if (!(await waitFor(() => connected() === clients.length, o.timeoutMs, 20))) {
        throw new Error(`crowd: only ${connected()} of ${clients.length} clients connected within ${o.timeoutMs} ms`);
      }
    }
  } catch (error) {
    crowd.close();
    throw error;
  }
  return crowd;
}
