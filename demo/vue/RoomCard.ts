import { defineComponent, h, ref, type PropType, type VNode } from 'vue';
import { useConnectionState, useRoom } from 'tether-rpc/vue';
import { chatLine } from '../shared/demo.ts';

/** Members, messages and the message box; without `send`, no room is joined. */
const RoomView = defineComponent({
  name: 'RoomView',
  props: {
    members: { type: Array as PropType<string[]>, required: true },
    items: { type: Array as PropType<VNode[]>, default: () => [] },
    send: { type: Function as PropType<(text: string) => void>, default: undefined },
  },
  setup(props) {
    const text = ref('');
    const send = () => {
      const t = text.value.trim();
      if (!props.send || !t) return;
      props.send(t);
      text.value = '';
    };
    return () => [
      h('div', { class: 'members', id: 'members', 'data-testid': 'members' }, props.members.map((m) => h('span', { key: m }, m))),
      h('ul', { id: 'messages', 'data-testid': 'messages' }, props.items),
      h('div', { class: 'row' }, [
        h('div', [
          h('label', { for: 'text' }, 'Message'),
          h('input', { id: 'text', 'data-testid': 'text', placeholder: 'Say something', value: text.value, onInput: (e: Event) => (text.value = (e.target as HTMLInputElement).value) }),
        ]),
        h('button', { id: 'send', 'data-testid': 'send', onClick: send }, 'Send'),
      ]),
    ];
  },
});

/** Mounted while the room is joined: `useRoom` joins at setup and leaves when the component goes. */
const JoinedRoom = defineComponent({
  name: 'JoinedRoom',
  props: { name: { type: String, required: true } },
  setup(props) {
    const { status, members, messages, error, publish } = useRoom(() => props.name);
    const snapshot = useConnectionState();
    const failures = ref<string[]>([]);
    const send = (text: string) => {
      publish('chat', { from: snapshot.value.user, text }).catch((e: Error) => (failures.value = [...failures.value, e.message]));
    };
    return () =>
      h(RoomView, {
        members: members.value,
        send,
        items: [
          ...messages.value.map((m) => {
            const { from, text } = chatLine(m.data);
            return h('li', { key: m.offset }, [h('b', from), ` ${text}`]);
          }),
          ...(status.value === 'error' ? [h('li', { key: 'error' }, [h('small', (error.value as Error | undefined)?.message ?? 'could not join')])] : []),
          ...failures.value.map((f, i) => h('li', { key: `f${i}` }, [h('small', f)])),
        ],
      });
  },
});

export const RoomCard = defineComponent({
  name: 'RoomCard',
  setup() {
    const name = ref('lobby');
    const joined = ref<string>();
    return () =>
      h('section', [
        h('h2', 'Room'),
        h('div', { class: 'row' }, [
          h('div', [
            h('label', { for: 'room' }, 'Room'),
            h('input', { id: 'room', 'data-testid': 'room', value: name.value, onInput: (e: Event) => (name.value = (e.target as HTMLInputElement).value) }),
          ]),
          h('button', { id: 'join', 'data-testid': 'join', onClick: () => (joined.value = name.value.trim() || 'lobby') }, 'Join'),
          h('button', { id: 'leave', 'data-testid': 'leave', class: 'secondary', onClick: () => (joined.value = undefined) }, 'Leave'),
        ]),
        joined.value ? h(JoinedRoom, { key: joined.value, name: joined.value }) : h(RoomView, { members: [] }),
      ]);
  },
});
