import { useState } from 'react';
import { useConnectionState } from 'tether-rpc/react';

export function WhoAreYou({ user, onConnect }: { user: string; onConnect: (user: string) => void }) {
  const [name, setName] = useState(user);
  const { user: signedIn } = useConnectionState();
  return (
    <section>
      <h2>Who are you?</h2>
      <div className="row">
        <div>
          <label htmlFor="user">User id (a development token is issued for it)</label>
          <input id="user" data-testid="user" value={name} onChange={(e) => setName(e.target.value)} />
        </div>
        <button id="connect" data-testid="connect" onClick={() => onConnect(name)}>Connect</button>
      </div>
      <p className="muted" id="who" data-testid="who">{signedIn ? `Signed in as ${signedIn}.` : `Connecting as ${user}…`}</p>
    </section>
  );
}
