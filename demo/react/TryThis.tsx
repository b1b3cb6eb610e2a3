/** The "Try this" strip: experiments to run against the page, each with what to watch. */
import { useClient } from 'tether-rpc/react';
import { publishAndReload, type DemoSettings } from '../shared/demo-settings.ts';
import { tryThis } from '../shared/try-this.ts';

export function TryThis({ settings }: { settings: DemoSettings }) {
  const client = useClient();
  const items = tryThis(settings, location.href);
  return (
    <aside className="try" data-testid="try-this" aria-label="Try this">
      {items.map((t) => (
        <div key={t.id} data-testid={`try-${t.id}`}>
          <b>{t.title}</b>
          <p>{t.text}</p>
          {t.link && <a href={t.link.href} target={t.link.newTab ? '_blank' : undefined} rel="noopener">{t.link.label}</a>}
          {t.button && (
            <button className="secondary" data-testid={`try-${t.id}-button`} onClick={() => publishAndReload(client.call, () => location.reload()).catch(() => {}) /* the timeline shows a failure */}>
              {t.button.label}
            </button>
          )}
        </div>
      ))}
    </aside>
  );
}
