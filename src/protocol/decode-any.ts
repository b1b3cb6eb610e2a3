/**
 * `decode`: the decoder for every frame of protocol v1, in either direction. The gateway
 * uses it; the browser client uses the lighter `decodeServerFrame` instead.
 */
import { BuiltinRequests, ClientEvents } from './client-frames.ts';
import { createDecoder } from './decode.ts';
import type { Decoded } from './envelope.ts';
import { ServerEvents } from './server-frames.ts';

/** Decode any protocol v1 frame, in either direction. */
export const decode = createDecoder(BuiltinRequests, { ...ServerEvents, ...ClientEvents });
/** A frame `decode` can return. */
export type Frame = ReturnType<typeof decode> extends Decoded<infer F> ? F : never;
