import { defineComponent, h, onScopeDispose, ref } from 'vue';
import { useClient, useNotification } from 'tether-rpc/vue';
import { dataLine, publishToAll, publishToMe } from '../shared/demo-settings.ts';

export const Notifications = defineComponent({
  name: 'DemoNotifications',
  setup() {
    const client = useClient();
    const notifications = useNotification(); // all of them, newest first
    const gaps = ref<number[]>([]);
    const published = ref(0);
    // Only the user's stream: a broadcast gap is not about this list (the timeline shows both).
    onScopeDispose(client.on('gap', ({ stream }) => stream === 'user' && (gaps.value = [Date.now(), ...gaps.value])));
    const publish = (to: typeof publishToMe) => to(client.call, ++published.value).catch(() => {}); // the timeline shows a failure
    return () => {
      const items = [
        ...notifications.value.map((n) => ({ ts: n.ts, key: `n${n.offset}`, n })),
        ...gaps.value.map((ts, i) => ({ ts, key: `gap${gaps.value.length - i}`, n: undefined })),
      ].sort((a, b) => b.ts - a.ts);
      return h('section', [
        h('h2', 'Notifications'),
        h('div', { class: 'row buttons' }, [
          h('button', { id: 'publish', 'data-testid': 'publish', onClick: () => publish(publishToMe) }, 'Publish to me'),
          h('button', { id: 'broadcast', 'data-testid': 'broadcast', class: 'secondary', onClick: () => publish(publishToAll) }, 'Broadcast to all'),
        ]),
        h('ul', { id: 'notifications', 'data-testid': 'notifications' }, items.map(({ key, n }) => {
          if (!n) return h('li', { key }, [h('small', 'Some notifications were missed while away.')]);
          const data = dataLine(n.data);
          return h('li', { key }, [h('b', n.type), ` ${n.message ?? ''}`, ...(data !== undefined ? [h('br'), h('small', data)] : [])]);
        })),
      ]);
    };
  },
});
