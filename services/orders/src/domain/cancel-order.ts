// Cancelling is all or pending, never half done: the order is marked `cancelling`, its stock is returned, then it
// is `cancelled`. When the stock cannot be returned now (products unreachable), the answer says the cancel is
// pending (`cancelling`) and the reconciler finishes it once products is back. Repeating a cancel is harmless.
import type { FastifyBaseLogger } from 'fastify';
import type { CallContext } from '@shipshape/platform/http-client';
import { notFound } from '@shipshape/platform/errors';
import type { Counter } from 'prom-client';
import type { Dependencies } from '../clients/dependencies.ts';
import type { Order, OrderStore } from './stores.ts';

export interface CancelDeps {
  orders: OrderStore;
  deps: Dependencies;
  cancelled: Counter;
  log: FastifyBaseLogger;
}

/** Returns the stock of a `cancelling` order and marks it `cancelled`; throws when products cannot be reached. */
export async function finishCancel(id: string, d: CancelDeps, ctx: CallContext): Promise<void> {
  await d.deps.release(id, ctx);
  if (await d.orders.markCancelled(id)) d.cancelled.inc();
}

export async function cancelOrder(id: string, d: CancelDeps, ctx: CallContext): Promise<Order> {
  const order = await d.orders.get(id);
  if (!order) throw notFound('order', id);
  if (order.status === 'cancelled') return order;
  if (order.status === 'confirmed') await d.orders.markCancelling(id);
  try {
    await finishCancel(id, d, ctx);
  } catch (err) {
    d.log.warn(
      { orderId: id, err: { message: (err as Error).message } },
      'stock not returned yet; the cancel is pending and the reconciler will finish it',
    );
    return { ...order, status: 'cancelling' };
  }
  return { ...order, status: 'cancelled' };
}
