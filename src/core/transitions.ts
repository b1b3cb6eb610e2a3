/**
 * The connection's states and which may follow which, declared once (the README's diagram as
 * data) and checked in one place, the client's `setState`: a transition that is not listed
 * is a bug, reported as an `error` event.
 */

/** Where the connection is. */
export type ConnectionState =
  | 'idle'
  | 'connecting'
  | 'authenticating'
  | 'connected'
  | 'reconnecting'
  | 'offline'
  | 'unauthorized'
  | 'closed';

/** Every state, and the states that may follow it. */
const table: Record<ConnectionState, string> = {
  idle: 'connecting offline closed',
  connecting: 'authenticating reconnecting offline unauthorized closed',
  authenticating: 'connected reconnecting offline unauthorized closed',
  connected: 'connecting reconnecting offline unauthorized closed',
  reconnecting: 'connecting offline unauthorized closed',
  offline: 'connecting closed',
  unauthorized: 'connecting closed',
  closed: 'connecting',
};

/** May the connection go from `from` to `to`? (Staying where it is always may.) */
export const mayGo = (from: ConnectionState, to: ConnectionState) => from === to || table[from].split(' ').includes(to);

/** States with a socket, or one on its way: the network going away ends it. */
export const LIVE = 'connecting authenticating connected';
/** States waiting for the network or the backoff: the network coming back starts at once. */
export const WAITING = 'offline reconnecting';
/** States where nothing happens until `connect()`. */
export const STOPPED = 'idle closed unauthorized';
/** Whether `state` is one of `group`. */
export const isIn = (state: ConnectionState, group: string) => group.split(' ').includes(state);
