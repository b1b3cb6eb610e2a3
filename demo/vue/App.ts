/** The page: header with the connection badge, the "Try this" strip, broadcast banner, and the cards. */
import { defineComponent, Fragment, h, ref, type PropType } from 'vue';
import type { DemoSettings } from '../shared/demo-settings.ts';
import type { Timeline as Story } from '../shared/timeline.ts';
import { CallForm } from './CallForm.ts';
import { Banner, Header } from './Header.ts';
import { Notifications } from './Notifications.ts';
import { RoomCard } from './RoomCard.ts';
import { Timeline } from './Timeline.ts';
import { TryThis } from './TryThis.ts';
import { WhoAreYou } from './WhoAreYou.ts';

export const App = defineComponent({
  name: 'App',
  props: {
    settings: { type: Object as PropType<DemoSettings>, required: true },
    timeline: { type: Object as PropType<Story>, required: true },
    signIn: { type: Function as PropType<(user: string) => string>, required: true },
  },
  setup(props) {
    const user = ref(props.settings.user);
    return () =>
      h(Fragment, [
        h(Header, { share: props.settings.share }),
        h(TryThis, { settings: { ...props.settings, user: user.value } }),
        h(Banner),
        h('main', [
          h(WhoAreYou, { user: user.value, onConnect: (name: string) => (user.value = props.signIn(name)) }),
          h(CallForm),
          // A fresh list per user: another user's notifications are not this one's.
          h(Notifications, { key: user.value }),
          h(RoomCard),
          h(Timeline, { timeline: props.timeline }),
        ]),
      ]);
  },
});
