/**
 * The start of a stream for a client that resumes it (from its auth frame, or joining a room
 * with `since`): whether what it missed can be replayed, and the frames that replay it.
 * The decision comes first and is sent first (in the auth or join result), the frames after,
 * so a client never accepts a replay's tail without its middle.
 *
 * A replay is refused (not recovered: the client is told `gap` and refetches) when the broker
 * says the history is not continuous from `since` (another epoch, trimmed, beyond the tip),
 * or when it is larger than `budgetBytes`: sending it would only take longer than a refetch.
 */
import type { Broker, StoredEvent, Target } from '../broker/broker.ts';
import { targetKey } from '../broker/broker.ts';
import type { ReplayFrame, Session } from './session.ts';

export type StreamMethod = 'notification' | 'broadcast' | 'room.message';

export interface StreamStart {
  /** The stream's key (`targetKey`). */
  key: string;
  /** Where the client continues from when nothing is replayed: the stream's tip. */
  tip: string;
  /** Whether the client gets everything it missed (always true without `since`). */
  recovered: boolean;
  /** The replay, oldest first; empty unless recovered. */
  frames: ReplayFrame[];
  /** Live events at or before this were already covered: `since` when replaying, else the tip. */
  from: string;
}

export interface StreamStartOptions {
  broker: Broker;
  session: Session;
  target: Target;
  method: StreamMethod;
  /** The client's last offset of this stream, if it resumes. */
  since: string | undefined;
  budgetBytes: number;
  /** Start live delivery to the session; called once its live events are held back. */
  subscribe(): void;
}

const frameOf = (method: StreamMethod, target: Target, e: StoredEvent) =>
  JSON.stringify({ jsonrpc: '2.0', method, params: target.kind === 'room' ? { room: target.room, ...e } : e });

/** Hold the stream's live events, subscribe, and read what the client missed. */
export async function startStream(o: StreamStartOptions): Promise<StreamStart> {
  const key = targetKey(o.target);
  o.session.hold(key);
  o.subscribe();
  let page;
  try {
    page = await o.broker.history(o.target, o.since);
  } catch (error) {
    // Let the stream go live again; the caller reports the failure.
    void o.session.replay(key, [], undefined);
    throw error;
  }
  if (o.since === undefined || !page.recovered) {
    return { key, tip: page.tip, recovered: o.since === undefined, frames: [], from: page.tip };
  }
  const frames: ReplayFrame[] = [];
  let bytes = 0;
  for (const e of page.events) {
    const text = frameOf(o.method, o.target, e);
    bytes += text.length;
    if (bytes > o.budgetBytes) return { key, tip: page.tip, recovered: false, frames: [], from: page.tip };
    frames.push({ offset: e.offset, text });
  }
  return { key, tip: page.tip, recovered: true, frames, from: o.since };
}

/** Send the replay, then let the stream go live. */
export const finishStream = (session: Session, start: StreamStart) => session.replay(start.key, start.frames, start.from);
