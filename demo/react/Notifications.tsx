import { useEffect, useState } from 'react';
import { useClient, useNotification } from 'tether-rpc/react';
import { dataLine, publishToAll, publishToMe } from '../shared/demo-settings.ts';

export function Notifications() {
  const client = useClient();
  const notifications = useNotification(); // all of them, newest first
  const [gaps, setGaps] = useState<number[]>([]);
  const [published, setPublished] = useState(0);
  // Only the user's stream: a broadcast gap is not about this list (the timeline shows both).
  useEffect(() => client.on('gap', ({ stream }) => stream === 'user' && setGaps((g) => [Date.now(), ...g])), [client]);
  const publish = (to: typeof publishToMe) => {
    setPublished(published + 1);
    to(client.call, published + 1).catch(() => {}); // the timeline shows a failure
  };
  const items = [
    ...notifications.map((n) => ({ ts: n.ts, key: `n${n.offset}`, n })),
    ...gaps.map((ts, i) => ({ ts, key: `gap${gaps.length - i}`, n: undefined })),
  ].sort((a, b) => b.ts - a.ts);
  return (
    <section>
      <h2>Notifications</h2>
      <div className="row buttons">
        <button id="publish" data-testid="publish" onClick={() => publish(publishToMe)}>Publish to me</button>
        <button id="broadcast" data-testid="broadcast" className="secondary" onClick={() => publish(publishToAll)}>Broadcast to all</button>
      </div>
      <ul id="notifications" data-testid="notifications">
        {items.map(({ key, n }) => {
          if (!n) return <li key={key}><small>Some notifications were missed while away.</small></li>;
          const data = dataLine(n.data);
          return <li key={key}><b>{n.type}</b> {n.message ?? ''}{data !== undefined && <><br /><small>{data}</small></>}</li>;
        })}
      </ul>
    </section>
  );
}
