/** The binding-parity table (`src/testing/binding-parity.ts`) against the Vue composables. */
import { mount, type VueWrapper } from '@vue/test-utils';
import { afterEach, describe, it } from 'vitest';
import { defineComponent, h as render, isRef, nextTick, shallowRef } from 'vue';
import type { Client } from '../core/index.ts';
import { behaviours, type BindingAdapter, type HookName, type Inputs, type Mounted, type Values } from '../testing/binding-parity.ts';
import { advance, harness } from '../testing/harness.ts';
import { useConnectionState, useNotification, useRoom, useRpc } from './composables.ts';
import { createTether } from './plugin.ts';

const h = harness();
const mounted = new Set<VueWrapper>();
// Registered after the harness's own afterEach, so it runs first: unmount while the client is open.
afterEach(() => {
  for (const w of mounted) w.unmount();
  mounted.clear();
});

/** Each composable called as an app would, with the inputs that may change read from `inputs` (a ref) through getters. */
const composables: { [K in HookName]: (inputs: { readonly value: Inputs[K] }) => unknown } = {
  useConnectionState: () => useConnectionState(),
  useRpc: (inputs) => {
    const [method, params] = inputs.value;
    return params === undefined ? useRpc(method) : useRpc(method, () => inputs.value[1]);
  },
  useNotification: (inputs) => useNotification(...inputs.value),
  useRoom: (inputs) => useRoom(() => inputs.value[0]),
};

/** A ref read now; an object of refs (and functions) read key by key. */
const unwrap = (r: unknown): unknown =>
  isRef(r) ? r.value : Object.fromEntries(Object.entries(r as object).map(([k, v]) => [k, isRef(v) ? v.value : v]));

const vue: BindingAdapter = {
  mount<K extends HookName>(client: Client, hook: K, inputs: Inputs[K]): Mounted<K> {
    const current = shallowRef(inputs) as { value: Inputs[K] };
    let result: unknown;
    const wrapper = mount(
      defineComponent({
        setup() {
          result = (composables[hook] as (inputs: { readonly value: Inputs[K] }) => unknown)(current);
          return () => render('div');
        },
      }),
      { global: { plugins: [createTether(client)] } },
    );
    mounted.add(wrapper);
    return {
      current: () => unwrap(result) as Values[K],
      async update(...next) {
        current.value = next;
        await nextTick();
      },
      async unmount() {
        mounted.delete(wrapper);
        wrapper.unmount();
        await nextTick();
      },
    };
  },
  async tick(ms = 10) {
    await advance(ms);
    await nextTick();
  },
  async act(fn) {
    fn();
    await nextTick();
  },
};

describe('binding parity: Vue', () => {
  for (const entry of behaviours) it(entry.name, () => entry.run({ h, binding: vue }));
});
