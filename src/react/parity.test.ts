/** The binding-parity table (`src/testing/binding-parity.ts`) against the React hooks. */
import { act, cleanup, render } from '@testing-library/react';
import { createElement, StrictMode, type ReactElement } from 'react';
import { afterEach, describe, it } from 'vitest';
import type { Client } from '../core/index.ts';
import { behaviours, type BindingAdapter, type HookName, type Inputs, type Mounted, type Values } from '../testing/binding-parity.ts';
import { advance, harness } from '../testing/harness.ts';
import { useConnectionState, useNotification, useRoom, useRpc } from './hooks.ts';
import { TetherProvider } from './provider.ts';

const h = harness();
// Registered after the harness's own afterEach, so it runs first: unmount while the fake clock still ticks.
afterEach(cleanup);

const hooks: { [K in HookName]: (...inputs: Inputs[K]) => Values[K] } = {
  useConnectionState,
  // Either overload at run time: undefined params mean lazy.
  useRpc: useRpc as (method: string, params?: unknown) => Values['useRpc'],
  useNotification,
  useRoom,
};

const react: BindingAdapter = {
  mount<K extends HookName>(client: Client, hook: K, inputs: Inputs[K], { strict = false } = {}): Mounted<K> {
    const use = hooks[hook] as (...inputs: Inputs[K]) => Values[K];
    let latest: Values[K] | undefined;
    function Probe({ inputs }: { inputs: Inputs[K] }) {
      latest = use(...inputs);
      return null;
    }
    const tree = (inputs: Inputs[K]): ReactElement => {
      const inner = createElement(TetherProvider, { client }, createElement(Probe, { inputs }));
      return strict ? createElement(StrictMode, null, inner) : inner;
    };
    const view = render(tree(inputs));
    return {
      current: () => latest!,
      update: async (...next) => view.rerender(tree(next)),
      unmount: async () => view.unmount(),
    };
  },
  tick: (ms = 10) =>
    act(async () => {
      await advance(ms);
    }),
  // A sync act: React renders what `fn` changed before it returns, with nothing else run meanwhile.
  act(fn) {
    act(fn);
    return Promise.resolve();
  },
};

describe('binding parity: React', () => {
  for (const entry of behaviours) it(entry.name, () => entry.run({ h, binding: react }));
});
