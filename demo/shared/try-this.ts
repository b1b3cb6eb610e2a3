/**
 * The "Try this" strip of the demo pages: the experiments that show what the client does for
 * an app (another user, offline, a stopped server, tabs sharing one connection, a reload),
 * each with what to do and what to watch. One list, drawn by the plain, React and Vue pages.
 */
import { demoHref, type DemoSettings } from './demo-settings.ts';

export interface TryItem {
  id: string;
  title: string;
  text: string;
  /** A link to follow (in a new tab when `newTab`). */
  link?: { label: string; href: string; newTab?: boolean };
  /** A button; the page knows what `action` does. */
  button?: { label: string; action: 'publish-reload' };
}

export function tryThis(s: DemoSettings, here: string): TryItem[] {
  const other = s.user === 'bob' ? 'carol' : 'bob';
  return [
    {
      id: 'user',
      title: 'Another user',
      text: `A tab signed in as ${other}: notifications to ${s.user} do not reach it.`,
      link: { label: `Open as ${other}`, href: demoHref({ ...s, user: other }, here), newTab: true },
    },
    {
      id: 'offline',
      title: 'Go offline',
      text: 'DevTools → Network → Offline, then Call: the call is queued, and sent the moment the network is back.',
    },
    {
      id: 'server',
      title: 'Stop the server',
      text: 'Stop npm start, call orders.create, start it again within 30 s: sent after reconnect, answered once.',
    },
    s.share
      ? {
          id: 'tabs',
          title: 'A second tab',
          text: 'Every tab of this user shares one WebSocket: one tab leads, the others follow. Close the leader: another takes over.',
          link: { label: 'Open a second tab', href: demoHref(s, here), newTab: true },
        }
      : {
          id: 'tabs',
          title: 'One connection for all tabs',
          text: 'With sharing on, the tabs of one user use a single WebSocket (tether-rpc/shared).',
          link: { label: 'Turn on sharing', href: demoHref({ ...s, share: true }, here) },
        },
    {
      id: 'reload',
      title: 'Reload',
      text: 'Five notifications are published while the page reloads: each arrives once, the missed ones replayed.',
      button: { label: 'Publish 5 and reload', action: 'publish-reload' },
    },
  ];
}
