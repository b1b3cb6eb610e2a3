/**
 * The floor: a bare `ws` server on 127.0.0.1. It echoes every message as it came (no parse),
 * and on `broadcast` sends the given bytes to every socket, the least any gateway can do.
 */
import { WebSocketServer, type WebSocket } from 'ws';
import { serve } from './control.ts';

const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
await new Promise<void>((r) => wss.once('listening', r));
wss.on('connection', (ws: WebSocket) => {
  ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
});

serve(
  { port: (wss.address() as { port: number }).port },
  {
    broadcast(args) {
      const frame = String(args.frame);
      for (const ws of wss.clients) ws.send(frame);
      return wss.clients.size;
    },
    stats: () => ({ connections: wss.clients.size }),
  },
);
