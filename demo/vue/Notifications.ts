import { defineComponent, h, onScopeDispose, ref } from 'vue';
import { useClient, useNotification } from 'tether-rpc/vue';

export const Notifications = defineComponent({
  name: 'DemoNotifications',
  setup() {
    const notifications = useNotification(); // all of them, newest first
    const gaps = ref<number[]>([]);
    onScopeDispose(useClient().on('gap', () => (gaps.value = [Date.now(), ...gaps.value])));
    return () => {
      const items = [
        ...notifications.value.map((n) => ({ ts: n.ts, key: `n${n.offset}`, n })),
        ...gaps.value.map((ts, i) => ({ ts, key: `gap${gaps.value.length - i}`, n: undefined })),
      ].sort((a, b) => b.ts - a.ts);
      return h('section', [
        h('h2', 'Notifications'),
        h('ul', { id: 'notifications', 'data-testid': 'notifications' }, items.map(({ key, n }) =>
          n
            ? h('li', { key }, [h('b', n.type), ` ${n.message ?? ''}`, h('br'), h('small', JSON.stringify(n.data ?? null))])
            : h('li', { key }, [h('small', 'Some notifications were missed while away.')]),
        )),
      ]);
    };
  },
});
