// Cancelling: record the cancellation first, then return the stock. Repeating it is harmless; if the stock
// cannot be returned now, the answer is 503 and the reconciler finishes the job.
import type { CallContext } from '@shipshape/platform/http-client';
import { notFound } from '@shipshape/platform/errors';
import type { Counter } from 'prom-client';
import type { Dependencies } from '../clients/dependencies.ts';
import type { Order, OrdersRepo } from '../data/orders-repo.ts';

export async function cancelOrder(
  id: string,
  d: { orders: OrdersRepo; deps: Dependencies; cancelled: Counter },
  ctx: CallContext,
): Promise<Order> {
  const order = await d.orders.get(id);
  if (!order) throw notFound('order', id);
  const changed = order.status === 'confirmed' && (await d.orders.markCancelled(id));
  await d.deps.release(id, ctx);
  if (changed) d.cancelled.inc();
  return { ...order, status: 'cancelled' };
}
