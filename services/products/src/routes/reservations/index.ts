// Internal stock reservations, called by the orders service only. The gateway never routes /internal/*.
// Thin: the contract is shared with orders, the rules are the domain's use cases.
import type { App } from '@shipshape/platform/service';
import { Metrics } from '@shipshape/platform/metrics';
import type { Cache } from '@shipshape/platform/cache';
import {
  CommitBatchRequest,
  CommitBatchResult,
  ReleaseResult,
  Reservation,
  ReservationParams,
  ReserveBatchRequest,
  ReserveBatchResult,
  ReserveRequest,
  UnresolvedPage,
  UnresolvedQuery,
  reservationPaths,
} from '@shipshape/platform/contracts/reservations';
import {
  commitReservation,
  commitReservations,
  releaseReservation,
  reserveStock,
  reserveStockGroup,
  unresolvedReservations,
  type ReservationStore,
} from '../../domain/reservations.ts';

export interface ReservationRoutesOptions {
  store: ReservationStore;
  cache: Cache;
}

export default async function reservationRoutes(app: App, { store, cache }: ReservationRoutesOptions) {
  const tags = ['internal'];
  // Only orders, proving who it is with its service identity token: a stranger on this port reserves nothing.
  const ordersOnly = { config: { access: 'service' as const, services: ['orders'] } };
  const reservations = app.metrics.counter(
    'shipshape_stock_reservations_total',
    'Stock reservation attempts by result.',
    ['result'],
  );
  Metrics.zero(reservations, 'result', ['reserved', 'replayed', 'insufficient_stock', 'unknown_product']);
  const releases = app.metrics.counter('shipshape_stock_releases_total', 'Reservations released (stock returned).');
  const commits = app.metrics.counter('shipshape_stock_commits_total', 'Reservations committed with their order.');
  const forget = (productIds: string[]) =>
    cache.invalidate(
      productIds.map((id) => `product:${id}`),
      ['list'],
    );

  app.post(
    reservationPaths.reserve,
    {
      ...ordersOnly,
      schema: {
        tags,
        summary: 'Reserve stock for an order (idempotent by orderId)',
        body: ReserveRequest,
        response: { 200: Reservation, 201: Reservation },
      },
    },
    async (request, reply) => {
      try {
        const { reservation, replayed } = await reserveStock(store, request.body.orderId, request.body.items);
        reservations.inc({ result: replayed ? 'replayed' : 'reserved' });
        if (!replayed) await forget(reservation.items.map((i) => i.productId));
        reply.code(replayed ? 200 : 201);
        return reservation;
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (code === 'insufficient-stock') reservations.inc({ result: 'insufficient_stock' });
        if (code === 'unknown-product') reservations.inc({ result: 'unknown_product' });
        throw err;
      }
    },
  );

  app.post(
    reservationPaths.reserveBatch,
    {
      ...ordersOnly,
      schema: {
        tags,
        summary: 'Reserve stock for many orders in one call (each as a single reservation would; group reservation)',
        body: ReserveBatchRequest,
        response: { 200: ReserveBatchResult },
      },
    },
    async (request) => {
      const outcomes = await reserveStockGroup(
        store,
        request.body.reservations.map((r) => ({ orderId: r.orderId, lines: r.items })),
      );
      const reserved: string[] = [];
      const items = outcomes.map((o) => {
        if ('problem' in o) {
          const code = o.problem.code;
          if (code === 'insufficient-stock') reservations.inc({ result: 'insufficient_stock' });
          if (code === 'unknown-product') reservations.inc({ result: 'unknown_product' });
          return { orderId: o.orderId, status: o.problem.status, problem: o.problem.body(request.url) };
        }
        const { reservation, replayed } = o.result;
        reservations.inc({ result: replayed ? 'replayed' : 'reserved' });
        if (!replayed) reserved.push(...reservation.items.map((i) => i.productId));
        return { orderId: o.orderId, status: replayed ? 200 : 201, reservation };
      });
      if (reserved.length > 0) await forget([...new Set(reserved)]);
      return { items };
    },
  );

  app.post(
    '/internal/reservations/:orderId/commit',
    {
      ...ordersOnly,
      schema: {
        tags,
        summary: 'End a reservation with its recorded order (idempotent)',
        params: ReservationParams,
        response: { 200: Reservation },
      },
    },
    async (request) => {
      const { reservation, changed } = await commitReservation(store, request.params.orderId);
      if (changed) commits.inc();
      return reservation;
    },
  );

  app.post(
    reservationPaths.commitBatch,
    {
      ...ordersOnly,
      schema: {
        tags,
        summary: 'End many reservations with their recorded orders in one call (idempotent; group commit)',
        body: CommitBatchRequest,
        response: { 200: CommitBatchResult },
      },
    },
    async (request) => {
      const { outcomes, committed } = await commitReservations(store, request.body.orderIds);
      if (committed > 0) commits.inc(committed);
      return { items: outcomes };
    },
  );

  app.post(
    '/internal/reservations/:orderId/release',
    {
      ...ordersOnly,
      schema: {
        tags,
        summary: 'Return the stock held for an order, committed or not (idempotent)',
        params: ReservationParams,
        response: { 200: ReleaseResult },
      },
    },
    async (request) => {
      const { returned } = await releaseReservation(store, request.params.orderId);
      if (returned.length > 0) {
        releases.inc(returned.length);
        await forget(returned.map((i) => i.productId));
      }
      return { orderId: request.params.orderId, status: 'released' as const, released: returned.length };
    },
  );

  app.get(
    reservationPaths.unresolved,
    {
      ...ordersOnly,
      schema: {
        tags,
        summary: 'Reservations neither committed nor released, oldest first (for the orders reconciler)',
        querystring: UnresolvedQuery,
        response: { 200: UnresolvedPage },
      },
    },
    async (request) => unresolvedReservations(store, request.query),
  );
}
