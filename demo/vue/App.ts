/** The page: header with the connection badge, broadcast banner, and the four cards. */
import { defineComponent, Fragment, h, ref, type PropType } from 'vue';
import { CallForm } from './CallForm.ts';
import { Banner, Header } from './Header.ts';
import { Notifications } from './Notifications.ts';
import { RoomCard } from './RoomCard.ts';
import { WhoAreYou } from './WhoAreYou.ts';

export const App = defineComponent({
  name: 'App',
  props: { signIn: { type: Function as PropType<(user: string) => string>, required: true } },
  setup(props) {
    const user = ref('alice');
    return () =>
      h(Fragment, [
        h(Header),
        h(Banner),
        h('main', [
          h(WhoAreYou, { user: user.value, onConnect: (name: string) => (user.value = props.signIn(name)) }),
          h(CallForm),
          // A fresh list per user: the one client keeps the previous user's stream position, so the next user's history is replayed.
          h(Notifications, { key: user.value }),
          h(RoomCard),
        ]),
      ]);
  },
});
