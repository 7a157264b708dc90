// HTTP entry points for /orders: schema + thin handlers over the domain.
import { Type } from '@sinclair/typebox';
import { sendStoredProblem, type App } from '@shipshape/platform/service';
import { Metrics } from '@shipshape/platform/metrics';
import { Problem, notFound, unprocessable } from '@shipshape/platform/errors';
import { forbidden, mayActFor } from '@shipshape/platform/auth';
import { IdParams, Page, PageQuery, Uuid, decodeCursor, toPage } from '@shipshape/platform/schemas';
import type { Counter } from 'prom-client';
import type { Dependencies } from '../../clients/dependencies.ts';
import type { IdempotencyStore, OrderStore } from '../../domain/stores.ts';
import { scopedKey } from '../../domain/idempotency-scope.ts';
import { ORDER_STAGE_BUCKETS, ORDER_STAGE_METRIC, placeOrder } from '../../domain/place-order.ts';
import { cancelOrder } from '../../domain/cancel-order.ts';
import { CreateOrder, OrderSchema } from '../../schemas.ts';

const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.Optional(
    Type.String({ description: 'Required: 1-255 characters. Same key + same body replays the first response.' }),
  ),
});

export interface OrdersRoutesOptions {
  orders: OrderStore;
  keys: IdempotencyStore;
  deps: Dependencies;
  cancelled: Counter;
}

export default async function ordersRoutes(app: App, { orders, keys, deps, cancelled }: OrdersRoutesOptions) {
  const tags = ['orders'];
  const created = app.metrics.counter('shipshape_orders_created_total', 'Orders placed.');
  const failures = app.metrics.counter('shipshape_order_failures_total', 'Order placements that failed, by reason.', [
    'reason',
  ]);
  Metrics.zero(failures, 'reason', [
    'unknown_user',
    'unknown_product',
    'insufficient_stock',
    'dependency_unavailable',
    'idempotency_conflict',
    'internal',
  ]);

  const stages = app.metrics.histogram(
    ORDER_STAGE_METRIC,
    'Time of each step of an order placement (claim, user_check, reserve, record), waits for a group included.',
    ['stage'],
    ORDER_STAGE_BUCKETS,
  );

  const security = [{ bearerAuth: [] }];
  const user = { config: { access: 'user' as const } };
  const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

  app.post(
    '/orders',
    {
      ...user,
      schema: {
        tags,
        security,
        summary: 'Place an order for yourself (an admin: for anyone); requires Idempotency-Key',
        headers: IdempotencyHeaders,
        body: CreateOrder,
        response: { 201: OrderSchema },
      },
    },
    async (request, reply) => {
      const key = request.headers['idempotency-key'];
      if (typeof key !== 'string' || key.length < 1 || key.length > 255) {
        throw new Problem(
          400,
          'validation-error',
          'Bad Request',
          'the Idempotency-Key header is required (1-255 characters)',
          {
            errors: [
              {
                field: 'headers.idempotency-key',
                message: key === undefined ? 'is required' : 'must be 1-255 characters',
              },
            ],
          },
        );
      }
      const caller = request.caller as NonNullable<typeof request.caller>;
      const userId = (request.body.userId ?? caller.sub).toLowerCase();
      if (!mayActFor(request, userId)) throw forbidden('orders are placed for the token subject only');
      if (!UUID.test(userId))
        throw unprocessable('subject-not-uuid', 'the token subject is not a UUID, so it names no user record');
      const ids = request.body.items.map((i) => i.productId);
      if (new Set(ids).size !== ids.length) {
        throw new Problem(400, 'validation-error', 'Bad Request', 'items must not repeat a productId', {
          errors: [{ field: 'body.items', message: 'repeats a productId' }],
        });
      }
      const result = await placeOrder(
        { idempotencyKey: scopedKey(caller.sub, key), userId, items: request.body.items, instance: request.url },
        { orders, keys, deps, log: request.log, created, failures, stages },
        { requestId: request.id, span: request.span },
      );
      if (result.replayed) reply.header('idempotent-replayed', 'true');
      // A replay answers exactly what the first request got, problem bodies included.
      if (result.kind === 'problem') return sendStoredProblem(reply, result.status, result.body);
      return reply.code(201).header('location', `/orders/${result.order.id}`).send(result.order);
    },
  );

  app.get(
    '/orders/:id',
    {
      ...user,
      schema: {
        tags,
        security,
        summary: 'Get one of your orders (an admin: any order)',
        params: IdParams,
        response: { 200: OrderSchema },
      },
    },
    async (request) => {
      const order = await orders.get(request.params.id);
      // Someone else's order answers exactly as a missing one.
      if (!order || !mayActFor(request, order.userId)) throw notFound('order', request.params.id);
      return order;
    },
  );

  app.get(
    '/orders',
    {
      ...user,
      schema: {
        tags,
        security,
        summary: 'List your orders, oldest first (an admin: everyone’s, or one user’s)',
        querystring: Type.Object({ userId: Type.Optional(Uuid), ...PageQuery }, { additionalProperties: false }),
        response: { 200: Page(OrderSchema) },
      },
    },
    async (request) => {
      const { limit, cursor } = request.query;
      const caller = request.caller as NonNullable<typeof request.caller>;
      const userId = caller.isAdmin ? request.query.userId : (request.query.userId ?? caller.sub);
      if (userId !== undefined && !mayActFor(request, userId)) throw forbidden('you may list your own orders only');
      // A subject that is not a UUID names no user record, so it has no orders.
      if (userId !== undefined && !UUID.test(userId)) return toPage([], limit);
      return toPage(await orders.list(userId, limit, decodeCursor(cursor)), limit);
    },
  );

  app.post(
    '/orders/:id/cancel',
    {
      ...user,
      schema: {
        tags,
        security,
        summary: 'Cancel one of your orders (an admin: any) and return its stock (idempotent)',
        description:
          '200 `cancelled`: done, stock returned. 202 `cancelling`: accepted, the stock is returned as soon as the ' +
          'products service is reachable again (the reconciler finishes it); repeating the cancel is harmless.',
        params: IdParams,
        response: { 200: OrderSchema, 202: OrderSchema },
      },
    },
    async (request, reply) => {
      const found = await orders.get(request.params.id);
      // Someone else's order answers exactly as a missing one.
      if (!found || !mayActFor(request, found.userId)) throw notFound('order', request.params.id);
      const order = await cancelOrder(
        request.params.id,
        { orders, deps, cancelled, log: request.log },
        { requestId: request.id, span: request.span },
      );
      reply.code(order.status === 'cancelling' ? 202 : 200);
      return order;
    },
  );
}
