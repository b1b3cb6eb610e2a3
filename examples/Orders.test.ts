/**
 * The README's React and Vue examples, rendered against the scripted gateway: they list the
 * user's orders, order one, and show the notification the worker pushes.
 */
import { act, cleanup, render, screen } from '@testing-library/react';
import { mount } from '@vue/test-utils';
import { createElement } from 'react';
import { TetherProvider } from 'tether-rpc/react';
import { createTether } from 'tether-rpc/vue';
import { afterEach, expect, it } from 'vitest';
import { nextTick } from 'vue';
import { advance, harness } from '../src/testing/harness.ts';
import { contract } from './contract.ts';
import { Orders } from './Orders.tsx';
import { Orders as OrdersVue } from './OrdersVue.ts';

const h = harness();
afterEach(cleanup);

/** A gateway with the two order methods; creating one notifies its user, as the demo worker does. */
function ordersGateway() {
  const gw = h.gateway();
  const orders: { id: string; sku: string; qty: number; total: number; user: string }[] = [];
  gw.method('orders.list', () => orders);
  gw.method('orders.create', (p, conn) => {
    const order = { id: `o${orders.length + 1}`, sku: String(p?.sku), qty: Number(p?.qty), total: Number(p?.qty) * 9.5, user: conn.user! };
    orders.push(order);
    gw.notify(conn.user!, 'order.created', order);
    return order;
  });
  return gw;
}

it('React: lists orders, orders one, and shows the notification', async () => {
  const gw = ordersGateway();
  const { client } = h.client({ url: gw.url, contract });
  render(createElement(TetherProvider, { client }, createElement(Orders)));
  await act(() => advance(10));
  expect(screen.getByTestId('state').textContent).toBe('connected');
  await act(async () => screen.getByText('Order').click());
  await act(() => advance(10));
  expect(screen.getByTestId('orders').textContent).toBe('o1: 2 × A-1 = 19');
  expect(gw.sent('orders.create')).toHaveLength(1);
});

it('Vue: the same component, the same behaviour', async () => {
  const gw = ordersGateway();
  const { client } = h.client({ url: gw.url, contract });
  const wrapper = mount(OrdersVue, { global: { plugins: [createTether(client)] } });
  await advance(10);
  await nextTick();
  expect(wrapper.get('[data-testid=state]').text()).toBe('connected');
  await wrapper.get('button').trigger('click');
  await advance(10);
  await nextTick();
  expect(wrapper.get('[data-testid=orders]').text()).toBe('o1: 2 × A-1 = 19');
  wrapper.unmount();
});
