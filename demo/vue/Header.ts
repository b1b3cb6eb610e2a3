import { defineComponent, h, onScopeDispose, ref } from 'vue';
import { useClient, useConnectionState } from 'tether-rpc/vue';
import { bannerText, retryLabel, stateLabel } from '../shared/demo.ts';
import { gatewayConnections, sharingText } from '../shared/demo-settings.ts';

/** With sharing on: what this tab is in its group, and the gateway's count of connections (every 2 s). */
const Sharing = defineComponent({
  name: 'DemoSharing',
  props: { sharing: { type: String, default: undefined } },
  setup(props) {
    const connections = ref<number>();
    const poll = () => void gatewayConnections().then((n) => (connections.value = n));
    poll();
    const timer = setInterval(poll, 2000);
    onScopeDispose(() => clearInterval(timer));
    return () => h('span', { class: 'sharing', id: 'sharing', 'data-testid': 'sharing', 'data-sharing': props.sharing }, sharingText(props.sharing, connections.value));
  },
});

export const Header = defineComponent({
  name: 'DemoHeader',
  props: { share: { type: Boolean, default: false } },
  setup(props) {
    const snapshot = useConnectionState();
    const now = ref(Date.now()); // ticks every second, for the retry countdown
    const timer = setInterval(() => (now.value = Date.now()), 1000);
    onScopeDispose(() => clearInterval(timer));
    return () =>
      h('header', [
        h('div', { class: 'title' }, [
          h('h1', ['Tether ', h('span', 'demo · Vue')]),
          h('nav', [h('a', { href: '/' }, 'Plain'), h('a', { href: '/react/' }, 'React'), h('a', { href: '/vue/', 'aria-current': 'page' }, 'Vue')]),
        ]),
        h('div', { class: 'status' }, [
          // The shared client's snapshot says what this tab is in its group.
          props.share ? h(Sharing, { sharing: (snapshot.value as { sharing?: string }).sharing }) : null,
          h('span', { class: 'badge', id: 'state', 'data-testid': 'state', 'data-state': snapshot.value.state }, stateLabel(snapshot.value)),
          h('span', { class: 'muted', id: 'retry', 'data-testid': 'retry' }, retryLabel(snapshot.value, now.value)),
        ]),
      ]);
  },
});

/** The last broadcast, hidden until there is one. */
export const Banner = defineComponent({
  name: 'DemoBanner',
  setup() {
    const text = ref<string>();
    onScopeDispose(useClient().on('broadcast', (b) => (text.value = bannerText(b))));
    return () => h('div', { id: 'banner', 'data-testid': 'banner', style: text.value ? { display: 'block' } : undefined }, text.value);
  },
});
