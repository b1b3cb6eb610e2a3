import { defineComponent, h, ref } from 'vue';
import { useConnectionState } from 'tether-rpc/vue';

export const WhoAreYou = defineComponent({
  name: 'WhoAreYou',
  props: { user: { type: String, required: true } },
  emits: { connect: (user: string) => typeof user === 'string' },
  setup(props, { emit }) {
    const name = ref(props.user);
    const snapshot = useConnectionState();
    return () =>
      h('section', [
        h('h2', 'Who are you?'),
        h('div', { class: 'row' }, [
          h('div', [
            h('label', { for: 'user' }, 'User id (a development token is issued for it)'),
            h('input', { id: 'user', 'data-testid': 'user', value: name.value, onInput: (e: Event) => (name.value = (e.target as HTMLInputElement).value) }),
          ]),
          h('button', { id: 'connect', 'data-testid': 'connect', onClick: () => emit('connect', name.value) }, 'Connect'),
        ]),
        h('p', { class: 'muted', id: 'who', 'data-testid': 'who' },
          snapshot.value.user ? `Signed in as ${snapshot.value.user}.` : `Connecting as ${props.user}…`),
      ]);
  },
});
