/** The page: header with the connection badge, the "Try this" strip, broadcast banner, and the cards. */
import { useState } from 'react';
import type { DemoSettings } from '../shared/demo-settings.ts';
import type { Timeline as Story } from '../shared/timeline.ts';
import { Banner, Header } from './Header.tsx';
import { CallForm } from './CallForm.tsx';
import { Notifications } from './Notifications.tsx';
import { RoomCard } from './RoomCard.tsx';
import { Timeline } from './Timeline.tsx';
import { TryThis } from './TryThis.tsx';
import { WhoAreYou } from './WhoAreYou.tsx';

interface Props {
  settings: DemoSettings;
  timeline: Story;
  signIn: (user: string) => string;
}

export function App({ settings, timeline, signIn }: Props) {
  const [user, setUser] = useState(settings.user);
  return (
    <>
      <Header share={settings.share} />
      <TryThis settings={{ ...settings, user }} />
      <Banner />
      <main>
        <WhoAreYou user={user} onConnect={(name) => setUser(signIn(name))} />
        <CallForm />
        {/* A fresh list per user: another user's notifications are not this one's. */}
        <Notifications key={user} />
        <RoomCard />
        <Timeline timeline={timeline} />
      </main>
    </>
  );
}
