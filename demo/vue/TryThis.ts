/** The "Try this" strip: experiments to run against the page, each with what to watch. */
import { defineComponent, h, type PropType } from 'vue';
import { useClient } from 'tether-rpc/vue';
import { publishAndReload, type DemoSettings } from '../shared/demo-settings.ts';
import { tryThis } from '../shared/try-this.ts';

export const TryThis = defineComponent({
  name: 'TryThis',
  props: { settings: { type: Object as PropType<DemoSettings>, required: true } },
  setup(props) {
    const client = useClient();
    return () =>
      h('aside', { class: 'try', 'data-testid': 'try-this', 'aria-label': 'Try this' }, tryThis(props.settings, location.href).map((t) =>
        h('div', { key: t.id, 'data-testid': `try-${t.id}` }, [
          h('b', t.title),
          h('p', t.text),
          t.link ? h('a', { href: t.link.href, target: t.link.newTab ? '_blank' : undefined, rel: 'noopener' }, t.link.label) : null,
          t.button
            ? h('button', {
                class: 'secondary',
                'data-testid': `try-${t.id}-button`,
                onClick: () => publishAndReload(client.call, () => location.reload()).catch(() => {}), // the timeline shows a failure
              }, t.button.label)
            : null,
        ]),
      ));
  },
});
