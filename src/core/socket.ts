/**
 * One WebSocket at a time. `open` replaces whatever socket there was; each socket belongs to
 * a generation, and the events of a socket the client gave up on (its late close, a message
 * in flight) never reach it. A socket that closes without ever opening says only "unreachable
 * or refused": a browser tells nothing more (wrong URL, gateway down, Origin refused).
 */
import { SUBPROTOCOL } from '../protocol/codes.ts';
import type { WebSocketConstructor, WebSocketLike } from './environment.ts';

export interface SocketHandlers {
  open(): void;
  message(raw: string): void;
  close(code: number, reason: string): void;
}

export function createSocket(Socket: WebSocketConstructor, on: SocketHandlers) {
  let ws: WebSocketLike | undefined;
  let gen = 0;
  return {
    /** The current generation: compare after an `await` to know the socket is still the one. */
    gen: () => gen,
    /** Forget the current socket (closing it); its late events are ignored from now on. */
    drop() {
      gen++;
      if (ws) ws.onopen = ws.onmessage = ws.onclose = null;
      // close() is a no-op on a closed socket and allowed on a connecting one.
      ws?.close(1000);
      ws = undefined;
    },
    open(url: string) {
      const my = gen;
      let opened = false;
      const s = (ws = new Socket(url, SUBPROTOCOL));
      s.onopen = () => {
        opened = true;
        on.open();
      };
      s.onmessage = (e) => my === gen && on.message(String(e.data));
      s.onclose = (e) => my === gen && on.close(e.code, opened ? e.reason : 'unreachable or refused');
      // The close event says all we need; but `ws` in Node throws an 'error' nobody listens to.
      s.onerror = () => {};
    },
    /** Send on the open socket; false when there is none. */
    send: (frame: string) => ws?.readyState === 1 && (ws.send(frame), true),
  };
}
