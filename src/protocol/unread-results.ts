/**
 * Results of built-in requests that the browser client never reads: it learns members from
 * `presence` frames and only needs `auth.refresh` to succeed. They live apart from
 * `server-frames.ts` so the client bundle does not carry them; gateways and other clients
 * use them.
 */
import * as z from 'zod/mini';

export const PresenceResult = z.object({ room: z.string(), members: z.array(z.string()) });
export type PresenceResult = z.infer<typeof PresenceResult>;

/** `exp`: when the new token expires, in seconds since the epoch. */
export const AuthRefreshResult = z.object({ exp: z.number() });
export type AuthRefreshResult = z.infer<typeof AuthRefreshResult>;
