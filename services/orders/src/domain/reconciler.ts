// Ends every reservation's life that the request path could not: commits the stock of recorded orders whose
// commit did not get through, releases the stock of orders that were never recorded (the process died between
// reserving and recording) and finishes cancels that were left `cancelling` while products was unreachable.
// It reads only unresolved reservations and pending cancels, page by page, so its work does not grow with the
// number of orders.
import type { FastifyBaseLogger } from 'fastify';
import type { Counter } from 'prom-client';
import type { KeysetPosition } from '@shipshape/platform/schemas';
import type { Dependencies } from '../clients/dependencies.ts';
import type { IdempotencyStore, OrderStore } from './stores.ts';
import { finishCancel } from './cancel-order.ts';

export interface ReconcilerDeps {
  orders: OrderStore;
  keys: IdempotencyStore;
  deps: Dependencies;
  log: FastifyBaseLogger;
  released: Counter;
  committed: Counter;
  cancelled: Counter;
  graceMs: number;
}

export interface ReconcileReport {
  committed: number;
  released: number;
  cancelsFinished: number;
  failed: number;
}

const PAGE = 500;

export async function reconcileOnce(d: ReconcilerDeps): Promise<ReconcileReport> {
  const report: ReconcileReport = { committed: 0, released: 0, cancelsFinished: 0, failed: 0 };
  const attempt = async (orderId: string, what: string, fn: () => Promise<void>) => {
    try {
      await fn();
    } catch (err) {
      report.failed += 1;
      d.log.warn({ orderId, err: { message: (err as Error).message } }, `reconciler could not ${what}; next pass`);
    }
  };

  let cancelAfter: KeysetPosition | undefined;
  do {
    const page = await d.orders.cancelling(PAGE, cancelAfter);
    for (const { id } of page) {
      await attempt(id, 'finish a cancel', async () => {
        await finishCancel(id, d, {});
        report.cancelsFinished += 1;
        d.log.info({ orderId: id }, 'reconciler finished a pending cancel');
      });
    }
    cancelAfter = page.length === PAGE ? page.at(-1) : undefined;
  } while (cancelAfter);

  let after: string | null = null;
  do {
    const page = await d.deps.unresolvedReservations(d.graceMs, after, PAGE);
    const statuses = await d.orders.statuses(page.items.map((r) => r.orderId));
    for (const { orderId } of page.items) {
      const status = statuses.get(orderId);
      if (status === 'confirmed') {
        await attempt(orderId, 'commit stock', async () => {
          if (await d.deps.commit(orderId)) {
            report.committed += 1;
            d.committed.inc();
          }
        });
      } else if (status === 'cancelling') {
        await attempt(orderId, 'finish a cancel', async () => {
          await finishCancel(orderId, d, {});
          report.cancelsFinished += 1;
        });
      } else {
        await attempt(orderId, 'release stock', async () => {
          await d.deps.release(orderId, {});
          report.released += 1;
          d.released.inc();
          d.log.info({ orderId, reason: status ?? 'never recorded' }, 'reconciler released stock');
        });
      }
    }
    after = page.nextCursor;
  } while (after);

  await d.keys.purgeExpired();
  return report;
}

/** Runs `reconcileOnce` every intervalMs until stopped; failures are logged and retried next tick. */
export function startReconciler(d: ReconcilerDeps, intervalMs: number): () => Promise<void> {
  let running: Promise<unknown> = Promise.resolve();
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    running = reconcileOnce(d)
      .catch((err: Error) => d.log.warn({ err: { message: err.message } }, 'reconciler pass failed'))
      .finally(() => {
        busy = false;
      });
  }, intervalMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
