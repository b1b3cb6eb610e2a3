/**
 * The same component in Vue: the README's example, tested in `OrdersVue.test.ts`.
 */
import { defineComponent, h } from 'vue';
import { createTetherComposables, useConnectionState, useNotification } from 'tether-rpc/vue';
import { contract } from './contract.ts';

const { useRpc } = createTetherComposables<typeof contract>();

export const Orders = defineComponent({
  setup() {
    const connection = useConnectionState();
    const orders = useRpc('orders.list', () => ({}));
    const create = useRpc('orders.create');
    const created = useNotification('order.created');
    const order = () => create.call({ sku: 'A-1', qty: 2 }).then(() => orders.refetch(), () => {});
    return () =>
      h('section', [
        h('p', { 'data-testid': 'state' }, connection.value.state),
        h('button', { onClick: order }, 'Order'),
        h('ul', { 'data-testid': 'orders' }, (orders.data.value ?? []).map((o) => h('li', { key: o.id }, `${o.id}: ${o.qty} × ${o.sku} = ${o.total}`))),
        h('p', { 'data-testid': 'toasts' }, created.value.map((n) => n.message).join(' · ')),
      ]);
  },
});
