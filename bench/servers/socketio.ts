/**
 * The peer most apps would pick: a socket.io server on 127.0.0.1, WebSocket transport only
 * (what its clients upgrade to), answering `echo` through an acknowledgement and sending
 * `broadcast` to everyone with `io.emit`.
 */
import { createServer } from 'node:http';
import { Server } from 'socket.io';
import { serve } from './control.ts';

const http = createServer();
const io = new Server(http, { transports: ['websocket'], serveClient: false });
io.on('connection', (socket) => {
  socket.on('echo', (data: unknown, ack: (v: unknown) => void) => ack(data));
});
await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));

serve(
  { port: (http.address() as { port: number }).port },
  {
    broadcast(args) {
      io.emit('message', args.data);
      return io.engine.clientsCount;
    },
    stats: () => ({ connections: io.engine.clientsCount }),
  },
);
