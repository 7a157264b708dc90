// Internal stock reservations, called by the orders service only. The gateway never routes /internal/*.
import { Type } from '@sinclair/typebox';
import type { App } from '@shipshape/platform/service';
import { Metrics } from '@shipshape/platform/metrics';
import type { Cache } from '@shipshape/platform/cache';
import { Problem, conflict, notFound, unprocessable } from '@shipshape/platform/errors';
import { Uuid } from '@shipshape/platform/schemas';
import type { ProductsRepo } from '../../data/products-repo.ts';

const ReserveBody = Type.Object(
  {
    orderId: Uuid,
    items: Type.Array(
      Type.Object(
        { productId: Uuid, quantity: Type.Integer({ minimum: 1, maximum: 100 }) },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 20 },
    ),
  },
  { additionalProperties: false },
);
const Reservation = Type.Object({
  orderId: Type.String({ format: 'uuid' }),
  status: Type.Literal('reserved'),
  items: Type.Array(
    Type.Object({
      productId: Type.String(),
      quantity: Type.Integer(),
      unitPriceCents: Type.Integer(),
      currency: Type.String(),
    }),
  ),
});
const OrderParams = Type.Object({ orderId: Uuid }, { additionalProperties: false });

export interface ReservationRoutesOptions {
  repo: ProductsRepo;
  cache: Cache;
}

export default async function reservationRoutes(app: App, { repo, cache }: ReservationRoutesOptions) {
  const tags = ['internal'];
  const reservations = app.metrics.counter(
    'shipshape_stock_reservations_total',
    'Stock reservation attempts by result.',
    ['result'],
  );
  Metrics.zero(reservations, 'result', ['reserved', 'replayed', 'insufficient_stock', 'unknown_product']);
  const releases = app.metrics.counter('shipshape_stock_releases_total', 'Reservations released (stock returned).');
  const forget = (productIds: string[]) =>
    cache.invalidate(
      productIds.map((id) => `product:${id}`),
      ['list'],
    );

  app.post(
    '/internal/reservations',
    {
      schema: {
        tags,
        summary: 'Reserve stock for an order (idempotent by orderId)',
        body: ReserveBody,
        response: { 200: Reservation, 201: Reservation },
      },
    },
    async (request, reply) => {
      const { orderId, items } = request.body;
      const ids = items.map((i) => i.productId);
      if (new Set(ids).size !== ids.length) {
        throw new Problem(400, 'validation-error', 'Bad Request', 'items must not repeat a productId', {
          errors: [{ field: 'body.items', message: 'repeats a productId' }],
        });
      }
      const outcome = await repo.reserve(orderId, items);
      switch (outcome.kind) {
        case 'reserved':
          reservations.inc({ result: outcome.replayed ? 'replayed' : 'reserved' });
          if (!outcome.replayed) await forget(outcome.items.map((i) => i.productId));
          reply.code(outcome.replayed ? 200 : 201);
          return { orderId, status: 'reserved' as const, items: outcome.items };
        case 'unknown-product':
          reservations.inc({ result: 'unknown_product' });
          throw unprocessable('unknown-product', `product ${outcome.productId} does not exist`, {
            productId: outcome.productId,
          });
        case 'insufficient-stock':
          reservations.inc({ result: 'insufficient_stock' });
          throw conflict(
            'insufficient-stock',
            `product ${outcome.productId} has ${outcome.available} in stock, ${outcome.requested} requested`,
            {
              productId: outcome.productId,
              available: outcome.available,
              requested: outcome.requested,
            },
          );
        case 'mixed-currency':
          throw unprocessable('mixed-currency', 'all items of an order must share one currency');
      }
    },
  );

  app.post(
    '/internal/reservations/:orderId/release',
    {
      schema: {
        tags,
        summary: 'Return the stock held for an order (idempotent)',
        params: OrderParams,
        response: {
          200: Type.Object({ orderId: Type.String(), status: Type.Literal('released'), released: Type.Integer() }),
        },
      },
    },
    async (request) => {
      const out = await repo.release(request.params.orderId);
      if (!out) throw notFound('reservation for order', request.params.orderId);
      if (out.released > 0) {
        releases.inc(out.released);
        await forget(out.productIds);
      }
      return { orderId: request.params.orderId, status: 'released' as const, released: out.released };
    },
  );

  app.get(
    '/internal/reservations',
    {
      schema: {
        tags,
        summary: 'Orders still holding stock, oldest first (for the reconciler)',
        querystring: Type.Object(
          {
            olderThanMs: Type.Integer({ minimum: 0, default: 60000 }),
            limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({ items: Type.Array(Type.Object({ orderId: Type.String(), createdAt: Type.String() })) }),
        },
      },
    },
    async (request) => ({ items: await repo.openReservations(request.query.olderThanMs, request.query.limit) }),
  );
}
