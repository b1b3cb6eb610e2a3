import { useState, type ReactNode } from 'react';
import { useConnectionState, useRoom } from 'tether-rpc/react';
import { chatLine } from '../shared/demo.ts';

/** Members, messages and the message box; `send` is undefined while no room is joined. */
function RoomView({ members, children, send }: { members: string[]; children?: ReactNode; send?: (text: string) => void }) {
  const [text, setText] = useState('');
  return (
    <>
      <div className="members" id="members" data-testid="members">{members.map((m) => <span key={m}>{m}</span>)}</div>
      <ul id="messages" data-testid="messages">{children}</ul>
      <div className="row">
        <div>
          <label htmlFor="text">Message</label>
          <input id="text" data-testid="text" placeholder="Say something" value={text} onChange={(e) => setText(e.target.value)} />
        </div>
        <button id="send" data-testid="send" onClick={() => { if (send && text.trim()) { send(text.trim()); setText(''); } }}>Send</button>
      </div>
    </>
  );
}

/** Mounted while the room is joined: `useRoom` joins on mount and leaves on unmount. */
function JoinedRoom({ name }: { name: string }) {
  const room = useRoom(name);
  const { user } = useConnectionState();
  const [failures, setFailures] = useState<string[]>([]);
  const send = (text: string) => {
    room.publish('chat', { from: user, text }).catch((e: Error) => setFailures((f) => [...f, e.message]));
  };
  return (
    <RoomView members={room.members} send={send}>
      {room.messages.map((m) => {
        const { from, text } = chatLine(m.data);
        return <li key={m.offset}><b>{from}</b> {text}</li>;
      })}
      {room.status === 'error' && <li><small>{(room.error as Error | undefined)?.message ?? 'could not join'}</small></li>}
      {failures.map((f, i) => <li key={`f${i}`}><small>{f}</small></li>)}
    </RoomView>
  );
}

export function RoomCard() {
  const [name, setName] = useState('lobby');
  const [joined, setJoined] = useState<string>();
  return (
    <section>
      <h2>Room</h2>
      <div className="row">
        <div>
          <label htmlFor="room">Room</label>
          <input id="room" data-testid="room" value={name} onChange={(e) => setName(e.target.value)} />
        </div>
        <button id="join" data-testid="join" onClick={() => setJoined(name.trim() || 'lobby')}>Join</button>
        <button id="leave" data-testid="leave" className="secondary" onClick={() => setJoined(undefined)}>Leave</button>
      </div>
      {joined ? <JoinedRoom key={joined} name={joined} /> : <RoomView members={[]} />}
    </section>
  );
}
