import { useEffect, useState } from 'react';
import { useClient, useNotification } from 'tether-rpc/react';

export function Notifications() {
  const client = useClient();
  const notifications = useNotification(); // all of them, newest first
  const [gaps, setGaps] = useState<number[]>([]);
  useEffect(() => client.on('gap', () => setGaps((g) => [Date.now(), ...g])), [client]);
  const items = [
    ...notifications.map((n) => ({ ts: n.ts, key: `n${n.offset}`, n })),
    ...gaps.map((ts, i) => ({ ts, key: `gap${gaps.length - i}`, n: undefined })),
  ].sort((a, b) => b.ts - a.ts);
  return (
    <section>
      <h2>Notifications</h2>
      <ul id="notifications" data-testid="notifications">
        {items.map(({ key, n }) =>
          n ? (
            <li key={key}><b>{n.type}</b> {n.message ?? ''}<br /><small>{JSON.stringify(n.data ?? null)}</small></li>
          ) : (
            <li key={key}><small>Some notifications were missed while away.</small></li>
          ),
        )}
      </ul>
    </section>
  );
}
