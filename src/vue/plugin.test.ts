import { mount } from '@vue/test-utils';
import { describe, expect, it, vi } from 'vitest';
import { defineComponent, h, watch } from 'vue';
import { advance, harness } from '../testing/harness.ts';
import { useConnectionState } from './composables.ts';
import { createTether, useClient } from './plugin.ts';

const t = harness();

describe('plugin', () => {
  it('throws a clear error when no plugin provides a client', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const App = defineComponent({ setup: () => (useClient(), () => h('div')) });
    expect(() => mount(App)).toThrow('app.use(createTether(client))');
    warn.mockRestore();
  });

  it('provides the client to every component of the app', () => {
    const gw = t.gateway();
    const { client } = t.client({ url: gw.url, autoConnect: false });
    let got: unknown;
    const Child = defineComponent({ setup: () => ((got = useClient()), () => h('span')) });
    mount(defineComponent({ setup: () => () => h(Child) }), { global: { plugins: [createTether(client)] } });
    expect(got).toBe(client);
  });
});

describe('useConnectionState', () => {
  it('follows the client through connecting and authenticating to connected', async () => {
    const gw = t.gateway();
    const { client } = t.client({ url: gw.url, autoConnect: false });
    const seen: string[] = [];
    const App = defineComponent({
      setup() {
        const state = useConnectionState();
        watch(state, (s) => seen.push(s.state), { flush: 'sync' });
        return () => h('p', state.value.state);
      },
    });
    const wrapper = mount(App, { global: { plugins: [createTether(client)] } });
    expect(wrapper.text()).toBe('idle');
    client.connect();
    await advance(10);
    expect(seen).toEqual(['connecting', 'authenticating', 'connected']);
    expect(wrapper.text()).toBe('connected');
    wrapper.unmount();
    expect(client.stats().listeners).toBe(1); // only the harness's own `state` listener is left
  });
});
