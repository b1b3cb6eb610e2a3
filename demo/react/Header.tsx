import { useEffect, useState } from 'react';
import { useClient, useConnectionState } from 'tether-rpc/react';
import { bannerText, retryLabel, stateLabel } from '../shared/demo.ts';
import { gatewayConnections, sharingText } from '../shared/demo-settings.ts';

/** Re-renders every second, for the retry countdown. */
function useNow(): number {
  const [now, setNow] = useState(Date.now);
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  return now;
}

/** With sharing on: what this tab is in its group, and the gateway's count of connections (every 2 s). */
function Sharing({ sharing }: { sharing: string | undefined }) {
  const [connections, setConnections] = useState<number>();
  useEffect(() => {
    const poll = () => void gatewayConnections().then(setConnections);
    poll();
    const timer = setInterval(poll, 2000);
    return () => clearInterval(timer);
  }, []);
  return <span className="sharing" id="sharing" data-testid="sharing" data-sharing={sharing}>{sharingText(sharing, connections)}</span>;
}

export function Header({ share }: { share: boolean }) {
  const snapshot = useConnectionState();
  const now = useNow();
  const { sharing } = snapshot as { sharing?: string }; // the shared client's snapshot says it
  return (
    <header>
      <div className="title">
        <h1>Tether <span>demo · React</span></h1>
        <nav><a href="/">Plain</a><a href="/react/" aria-current="page">React</a><a href="/vue/">Vue</a></nav>
      </div>
      <div className="status">
        {share && <Sharing sharing={sharing} />}
        <span className="badge" id="state" data-testid="state" data-state={snapshot.state}>{stateLabel(snapshot)}</span>
        <span className="muted" id="retry" data-testid="retry">{retryLabel(snapshot, now)}</span>
      </div>
    </header>
  );
}

/** The last broadcast, hidden until there is one. */
export function Banner() {
  const client = useClient();
  const [text, setText] = useState<string>();
  useEffect(() => client.on('broadcast', (b) => setText(bannerText(b))), [client]);
  return <div id="banner" data-testid="banner" style={text ? { display: 'block' } : undefined}>{text}</div>;
}
