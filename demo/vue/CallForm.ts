import { defineComponent, h, ref } from 'vue';
import { useRpc } from 'tether-rpc/vue';
import { exampleParams, formatError, methods, parseParams } from '../shared/demo.ts';
import { DEADLINE_MS } from '../shared/demo-settings.ts';

/** The result of the form's call; made again (by `key`) when the method or the deadline changes, since `useRpc` reads them at setup. */
const CallResult = defineComponent({
  name: 'CallResult',
  props: { method: { type: String, required: true }, timeoutMs: { type: Number, required: true } },
  setup(props, { expose }) {
    const { data, error, status, call } = useRpc(props.method, undefined, { timeoutMs: props.timeoutMs }); // lazy: runs on call(params)
    const parseError = ref<unknown>();
    expose({
      run(text: string) {
        let params: unknown;
        try {
          params = parseParams(text);
        } catch (e) {
          parseError.value = e;
          return;
        }
        parseError.value = undefined;
        call(params).catch(() => {}); // the error is shown from `error`
      },
    });
    return () => {
      const failed = parseError.value !== undefined || status.value === 'error';
      const text =
        parseError.value !== undefined ? formatError(parseError.value)
        : status.value === 'loading' ? '…'
        : status.value === 'error' ? formatError(error.value)
        : status.value === 'success' ? JSON.stringify(data.value, null, 2)
        : '—';
      return h('pre', { id: 'result', 'data-testid': 'result', class: failed ? 'error' : undefined }, text);
    };
  },
});

export const CallForm = defineComponent({
  name: 'CallForm',
  setup() {
    const method = ref(methods[0]!);
    const params = ref(exampleParams(method.value));
    const deadline = ref(String(DEADLINE_MS));
    const result = ref<{ run(text: string): void } | null>(null);
    const value = (e: Event) => (e.target as HTMLInputElement).value;
    return () => {
      const timeoutMs = Number(deadline.value) || DEADLINE_MS;
      return h('section', [
        h('h2', 'Call a method'),
        h('label', { for: 'method' }, 'Method'),
        h('select', {
          id: 'method', 'data-testid': 'method', value: method.value,
          onChange: (e: Event) => { method.value = value(e); params.value = exampleParams(method.value); },
        }, methods.map((m) => h('option', { key: m, value: m, selected: m === method.value }, m))),
        h('label', { for: 'params' }, 'Params (JSON)'),
        h('textarea', { id: 'params', 'data-testid': 'params', value: params.value, onInput: (e: Event) => (params.value = value(e)) }),
        h('div', { class: 'row' }, [
          h('div', [
            h('label', { for: 'timeout' }, 'Deadline (ms)'),
            h('input', { id: 'timeout', 'data-testid': 'timeout', type: 'number', value: deadline.value, onInput: (e: Event) => (deadline.value = value(e)) }),
          ]),
          h('button', { id: 'call', 'data-testid': 'call', onClick: () => result.value?.run(params.value) }, 'Call'),
        ]),
        h(CallResult, { key: `${method.value} ${timeoutMs}`, ref: result, method: method.value, timeoutMs }),
      ]);
    };
  },
});
