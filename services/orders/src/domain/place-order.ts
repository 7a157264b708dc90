// Placing an order: claim the idempotency key while the user is checked, reserve the stock, record the order, answer,
// and commit the reservation. If anything fails after the reservation, the reservation is released; if the process
// dies in between, the reconciler releases it (order never recorded) or commits it (order recorded) later.
import { createHash, randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { Counter, Histogram } from 'prom-client';
import type { CallContext } from '@shipshape/platform/http-client';
import { Problem, conflict, unprocessable } from '@shipshape/platform/errors';
import type { Dependencies } from '../clients/dependencies.ts';
import type { IdempotencyStore, Order, OrderStore } from './stores.ts';

export interface PlaceOrderInput {
  idempotencyKey: string;
  userId: string;
  items: { productId: string; quantity: number }[];
  instance: string;
}

/** The order placed, or the problem the request got: answered now, or replayed as the key's first answer. */
export type PlaceOrderResult =
  | { kind: 'order'; order: Order; replayed: boolean }
  | { kind: 'problem'; status: number; body: unknown; replayed: true };

export interface PlaceOrderDeps {
  orders: OrderStore;
  keys: IdempotencyStore;
  deps: Dependencies;
  log: FastifyBaseLogger;
  created: Counter;
  failures: Counter<'reason'>;
  stages: Histogram<'stage'>;
}

/**
 * The steps of a placement, each timed in `shipshape_order_stage_duration_seconds`: the key's claim and the user's
 * check (they run side by side), the reservation and the record. A grouped step's time includes the wait for the group
 * already on its way, so this shows which step an order's latency, and its tail, comes from.
 */
export const ORDER_STAGES = ['claim', 'user_check', 'reserve', 'record'] as const;
export const ORDER_STAGE_METRIC = 'shipshape_order_stage_duration_seconds';
export type OrderStage = (typeof ORDER_STAGES)[number];
/** Finer than the request histograms' buckets around the order latency objective (25 ms). */
export const ORDER_STAGE_BUCKETS = [0.001, 0.0025, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.025, 0.035, 0.05, 0.1, 0.25, 1];

/** `work`, with the time it took (whether it succeeded or failed) observed under `stage`. */
function timed<T>(stages: Histogram<'stage'>, stage: OrderStage, work: Promise<T>): Promise<T> {
  const started = performance.now();
  const observe = () => stages.observe({ stage }, (performance.now() - started) / 1000);
  work.then(observe, observe);
  return work;
}

/** Stable across key order and whitespace, so a retried identical body always matches. */
export function requestHash(userId: string, items: { productId: string; quantity: number }[]): string {
  return createHash('sha256')
    .update(JSON.stringify({ userId, items: items.map((i) => [i.productId, i.quantity]) }))
    .digest('hex');
}

export async function placeOrder(
  input: PlaceOrderInput,
  d: PlaceOrderDeps,
  ctx: CallContext,
): Promise<PlaceOrderResult> {
  // The user check is a read: it runs while the key is claimed, and its answer is used only once the key is ours
  // (a replay or a conflict ignores it).
  const userExists = timed(d.stages, 'user_check', d.deps.userExists(input.userId, ctx));
  userExists.catch(() => {});
  const claim = await timed(
    d.stages,
    'claim',
    d.keys.claim(input.idempotencyKey, requestHash(input.userId, input.items)),
  );
  if (claim.kind === 'completed') {
    // A key completes with the recorded order (201) or with the problem body of a 4xx (see finish below).
    return claim.status >= 400
      ? { kind: 'problem', status: claim.status, body: claim.body, replayed: true }
      : { kind: 'order', order: claim.body as Order, replayed: true };
  }
  if (claim.kind === 'mismatch') {
    d.failures.inc({ reason: 'idempotency_conflict' });
    throw unprocessable('idempotency-key-reused', 'this Idempotency-Key was used with a different request body');
  }
  if (claim.kind === 'in-flight') {
    d.failures.inc({ reason: 'idempotency_conflict' });
    throw conflict(
      'idempotency-key-in-flight',
      'a request with this Idempotency-Key is still being processed; retry later',
    );
  }

  // A final answer (201 or a 4xx about the request itself) is stored for replay; a transient failure frees the key.
  const finish = async (p: Problem, reason: string): Promise<never> => {
    d.failures.inc({ reason });
    await d.keys.complete(input.idempotencyKey, p.status, p.body(input.instance));
    throw p;
  };

  const orderId = randomUUID();
  let reserved = false;
  try {
    if (!(await userExists)) {
      await finish(
        unprocessable('unknown-user', `user ${input.userId} does not exist`, {
          errors: [{ field: 'body.userId', message: 'does not exist' }],
          userId: input.userId,
        }),
        'unknown_user',
      );
    }
    const r = await timed(d.stages, 'reserve', d.deps.reserve(orderId, input.items, ctx));
    if (!r.ok) {
      const productId = r.problem.productId ?? '';
      if (r.status === 409) {
        await finish(
          conflict('insufficient-stock', r.problem.detail ?? `product ${productId} has insufficient stock`, {
            productId,
          }),
          'insufficient_stock',
        );
      }
      if (r.status === 422 && r.problem.type?.endsWith('/unknown-product')) {
        await finish(
          unprocessable('unknown-product', `product ${productId} does not exist`, {
            productId,
            errors: [{ field: 'body.items', message: `product ${productId} does not exist` }],
          }),
          'unknown_product',
        );
      }
      if (r.status === 422 || r.status === 400) {
        await finish(
          unprocessable(
            r.problem.type?.split('/').pop() ?? 'unprocessable',
            r.problem.detail ?? 'the order cannot be placed',
          ),
          'unknown_product',
        );
      }
      throw new Error(`products answered ${r.status} to a reservation`);
    }
    reserved = true;
    const byId = new Map(r.items.map((i) => [i.productId, i]));
    const items = input.items.map((i) => ({
      productId: i.productId,
      quantity: i.quantity,
      unitPriceCents: (byId.get(i.productId) as { unitPriceCents: number }).unitPriceCents,
    }));
    // An order has at least one item, and products refuses a reservation that mixes currencies.
    const [first] = r.items;
    if (!first) throw new Error('products answered a reservation without items');
    const { currency } = first;
    const totalCents = items.reduce((sum, i) => sum + i.unitPriceCents * i.quantity, 0);
    const order: Order = await timed(
      d.stages,
      'record',
      d.orders.record(
        { id: orderId, userId: input.userId, status: 'confirmed', items, totalCents, currency },
        input.idempotencyKey,
      ),
    );
    d.created.inc();
    // The reservation's life ends with the recorded order, once the order is answered: nothing the commit does can
    // change the answer. If products cannot be told, the reconciler commits it.
    d.deps.commitLater(
      orderId,
      (committed) => {
        // Released first: the order was cancelled before its commit left.
        if (!committed) d.log.warn({ orderId }, 'the reservation of a recorded order was released before its commit');
      },
      (e) =>
        d.log.warn({ orderId, err: { message: e.message } }, 'commit of the reservation deferred to the reconciler'),
    );
    return { kind: 'order', order, replayed: false };
  } catch (err) {
    if (err instanceof Problem && err.status < 500) throw err;
    d.failures.inc({ reason: err instanceof Problem ? 'dependency_unavailable' : 'internal' });
    if (reserved) {
      await d.deps
        .release(orderId, ctx)
        .catch((e: Error) =>
          d.log.warn(
            { orderId, err: { message: e.message } },
            'release after failure did not succeed; the reconciler will retry',
          ),
        );
    }
    await d.keys.release(input.idempotencyKey).catch(() => {});
    throw err;
  }
}
