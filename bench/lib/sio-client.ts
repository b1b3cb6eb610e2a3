/**
 * socket.io clients for the fan-out and memory suites. `connectSocketIo` is the real client
 * (`socket.io-client`), WebSocket transport only, one engine per socket (`forceNew`, as
 * separate browsers would have) and no reconnection. `connectSocketIoWire` is a bare `ws`
 * socket speaking just enough of socket.io's wire (engine.io v4 open/ping, socket.io
 * CONNECT and EVENT packets): where the server is what is measured, the load generator must
 * cost the same per socket as the raw `ws` clients it is compared with (as `wire-client.ts`
 * does for Tether); `socket.io-client` costs several times more per message.
 */
import { io, type Socket } from 'socket.io-client';
import { WebSocket } from 'ws';

/** Open one `socket.io-client` to `url` (`http://host:port`); resolves once it is connected. */
export function connectSocketIo(url: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = io(url, { transports: ['websocket'], forceNew: true, reconnection: false });
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (error) => {
      socket.close();
      reject(error);
    });
  });
}

/**
 * Open a bare socket to the socket.io server on `port` and connect it to the main
 * namespace; `onEvent` gets every event (name and first argument) the server emits.
 */
export function connectSocketIoWire(port: number, onEvent: (name: string, data: unknown) => void): Promise<WebSocket> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/socket.io/?EIO=4&transport=websocket`, { perMessageDeflate: false });
  return new Promise((resolve, reject) => {
    ws.on('message', (raw) => {
      const text = String(raw);
      // engine.io packet type, then for "message" (4) the socket.io packet type.
      if (text === '2') return ws.send('3'); // the server's heartbeat ping
      if (text.startsWith('0')) return ws.send('40'); // engine open: connect to namespace "/"
      if (text.startsWith('40')) return resolve(ws);
      if (text.startsWith('42')) {
        const [name, data] = JSON.parse(text.slice(2)) as [string, unknown];
        return onEvent(name, data);
      }
      if (text.startsWith('44')) reject(new Error(`socket.io refused the connection: ${text}`));
    });
    // Kept after connecting: a reset during teardown is not a benchmark failure (reject is a no-op then).
    ws.on('error', reject);
    ws.once('close', () => reject(new Error('closed before connecting')));
  });
}
