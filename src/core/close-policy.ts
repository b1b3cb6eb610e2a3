/**
 * What the client does when the socket closes with a given code. Unlisted codes, including
 * 1000 from the server, reconnect: a client that stops on an unexpected close is the
 * "sockets do not reconnect" bug users report most.
 */
import { CloseCode } from '../protocol/codes.ts';

/**
 * - `stop`: terminal, go to `closed` and reject pending calls;
 * - `retry`: reconnect with exponential backoff;
 * - `reauth`: get a fresh token and retry at once, once; a second refusal means `unauthorized`;
 * - `soon`: the server is restarting: reconnect within a short jittered window.
 */
export type CloseAction = 'stop' | 'retry' | 'reauth' | 'soon';

const table: Record<number, CloseAction> = {
  [CloseCode.UnsupportedProtocol]: 'stop',
  [CloseCode.Unauthorized]: 'reauth',
  [CloseCode.ServiceRestart]: 'soon',
};

export function closeAction(code: number): CloseAction {
  return table[code] ?? 'retry';
}
