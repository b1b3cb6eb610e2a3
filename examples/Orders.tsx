/**
 * Your own React component on Tether: the README's example, tested in `Orders.test.ts`.
 * `useRpc` with params keeps a list up to date (and refetches after a reconnect); without
 * params it is a lazy call; `useNotification` shows what the server pushes to this user.
 */
import { createTetherHooks, useConnectionState, useNotification } from 'tether-rpc/react';
import { contract } from './contract.ts';

const { useRpc } = createTetherHooks<typeof contract>();

export function Orders() {
  const { state } = useConnectionState();
  const orders = useRpc('orders.list', {});
  const create = useRpc('orders.create');
  const created = useNotification('order.created');
  return (
    <section>
      <p data-testid="state">{state}</p>
      <button onClick={() => create.call({ sku: 'A-1', qty: 2 }).then(() => orders.refetch(), () => {})}>Order</button>
      {create.error ? <p role="alert">{String((create.error as Error).message)}</p> : null}
      <ul data-testid="orders">
        {(orders.data ?? []).map((o) => (
          <li key={o.id}>
            {o.id}: {o.qty} × {o.sku} = {o.total}
          </li>
        ))}
      </ul>
      <p data-testid="toasts">{created.map((n) => n.message).join(' · ')}</p>
    </section>
  );
}
