// Releases stock held for orders that were never recorded (the orders process died between reserving and
// recording) or that were cancelled while the products service was unreachable.
import type { FastifyBaseLogger } from 'fastify';
import type { Counter } from 'prom-client';
import type { Dependencies } from '../clients/dependencies.ts';
import type { OrdersRepo } from '../data/orders-repo.ts';
import type { IdempotencyRepo } from '../data/idempotency-repo.ts';

export interface ReconcilerDeps {
  orders: OrdersRepo;
  keys: IdempotencyRepo;
  deps: Dependencies;
  log: FastifyBaseLogger;
  released: Counter;
  graceMs: number;
}

export async function reconcileOnce(d: ReconcilerDeps): Promise<number> {
  const open = await d.deps.openReservations(d.graceMs);
  const statuses = await d.orders.statuses(open.map((o) => o.orderId));
  let released = 0;
  for (const { orderId } of open) {
    const status = statuses.get(orderId);
    if (status === 'confirmed') continue;
    await d.deps.release(orderId, {});
    released += 1;
    d.released.inc();
    d.log.info({ orderId, reason: status ?? 'never recorded' }, 'reconciler released stock');
  }
  await d.keys.purgeExpired();
  return released;
}

/** Runs `reconcileOnce` every intervalMs until stopped; failures are logged and retried next tick. */
export function startReconciler(d: ReconcilerDeps, intervalMs: number): () => Promise<void> {
  let running: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    running = reconcileOnce(d).catch((err: Error) =>
      d.log.warn({ err: { message: err.message } }, 'reconciler pass failed'),
    );
  }, intervalMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
