/** The timeline card: what the client did and why, newest first (demo/shared/timeline.ts tells it). */
import { defineComponent, h, onScopeDispose, shallowRef, type PropType } from 'vue';
import { clock, type Timeline as Story } from '../shared/timeline.ts';

export const Timeline = defineComponent({
  name: 'DemoTimeline',
  props: { timeline: { type: Object as PropType<Story>, required: true } },
  setup(props) {
    const entries = shallowRef(props.timeline.getSnapshot());
    onScopeDispose(props.timeline.subscribe(() => (entries.value = props.timeline.getSnapshot())));
    return () =>
      h('section', { class: 'timeline' }, [
        h('h2', 'Timeline'),
        h('ol', { id: 'timeline', 'data-testid': 'timeline' }, entries.value.map((e) =>
          h('li', { key: e.id, 'data-kind': e.kind }, [
            h('time', clock(e.at)),
            h('span', { class: 'kind' }, e.kind),
            h('span', { class: 'what' }, [e.text, e.steps ? h('span', { class: 'steps' }, `: ${e.steps.join(' → ')}`) : null]),
          ]),
        )),
      ]);
  },
});
