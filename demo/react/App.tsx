/** The page: header with the connection badge, broadcast banner, and the four cards. */
import { useState } from 'react';
import { Banner, Header } from './Header.tsx';
import { CallForm } from './CallForm.tsx';
import { Notifications } from './Notifications.tsx';
import { RoomCard } from './RoomCard.tsx';
import { WhoAreYou } from './WhoAreYou.tsx';

export function App({ signIn }: { signIn: (user: string) => string }) {
  const [user, setUser] = useState('alice');
  return (
    <>
      <Header />
      <Banner />
      <main>
        <WhoAreYou user={user} onConnect={(name) => setUser(signIn(name))} />
        <CallForm />
        {/* A fresh list per user: the one client keeps the previous user's stream position, so the next user's history is replayed. */}
        <Notifications key={user} />
        <RoomCard />
      </main>
    </>
  );
}
