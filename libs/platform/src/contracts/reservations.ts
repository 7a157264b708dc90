// The stock reservation contract between orders (caller) and products (owner of the stock): paths, bodies and
// problem codes, imported by both so they cannot drift.
//
// A reservation is created `reserved`, and its life ends explicitly: `committed` once its order is recorded, or
// `released` (stock returned) when the order failed, was never recorded, or was cancelled. Only `reserved` ones are
// unresolved; the reconciler in orders pages through exactly those.
import { Type, type Static } from '@sinclair/typebox';
import { Uuid } from '../schemas.ts';

export const ReservationLine = Type.Object(
  { productId: Uuid, quantity: Type.Integer({ minimum: 1, maximum: 100 }) },
  { additionalProperties: false },
);
export type ReservationLine = Static<typeof ReservationLine>;

export const ReserveRequest = Type.Object(
  { orderId: Uuid, items: Type.Array(ReservationLine, { minItems: 1, maxItems: 20 }) },
  { additionalProperties: false },
);
export type ReserveRequest = Static<typeof ReserveRequest>;

export const ReservedItem = Type.Object({
  productId: Type.String({ format: 'uuid' }),
  quantity: Type.Integer(),
  unitPriceCents: Type.Integer(),
  currency: Type.String(),
});
export type ReservedItem = Static<typeof ReservedItem>;

export const ReservationStatus = Type.Union([
  Type.Literal('reserved'),
  Type.Literal('committed'),
  Type.Literal('released'),
]);
export type ReservationStatus = Static<typeof ReservationStatus>;

export const Reservation = Type.Object({
  orderId: Type.String({ format: 'uuid' }),
  status: ReservationStatus,
  items: Type.Array(ReservedItem),
});
export type Reservation = Static<typeof Reservation>;

export const ReservationParams = Type.Object({ orderId: Uuid }, { additionalProperties: false });

export const ReleaseResult = Type.Object({
  orderId: Type.String({ format: 'uuid' }),
  status: Type.Literal('released'),
  /** Item rows whose stock this call returned; 0 on a repeat. */
  released: Type.Integer(),
});
export type ReleaseResult = Static<typeof ReleaseResult>;

export const UnresolvedQuery = Type.Object(
  {
    olderThanMs: Type.Integer({ minimum: 0, maximum: 31_536_000_000, default: 60000 }),
    limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
    after: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 200,
        pattern: '^[A-Za-z0-9_-]+$',
        description: 'nextCursor of the page before.',
      }),
    ),
  },
  { additionalProperties: false },
);
export type UnresolvedQuery = Static<typeof UnresolvedQuery>;

export const UnresolvedReservation = Type.Object({
  orderId: Type.String({ format: 'uuid' }),
  createdAt: Type.String({ format: 'date-time' }),
});
export type UnresolvedReservation = Static<typeof UnresolvedReservation>;

export const UnresolvedPage = Type.Object({
  items: Type.Array(UnresolvedReservation),
  nextCursor: Type.Union([Type.String(), Type.Null()]),
});
export type UnresolvedPage = Static<typeof UnresolvedPage>;

/** Most order ids one commit call carries. */
export const MAX_COMMIT_BATCH = 200;

export const CommitBatchRequest = Type.Object(
  { orderIds: Type.Array(Uuid, { minItems: 1, maxItems: MAX_COMMIT_BATCH, uniqueItems: true }) },
  { additionalProperties: false },
);
export type CommitBatchRequest = Static<typeof CommitBatchRequest>;

export const CommitOutcome = Type.Object({
  orderId: Type.String({ format: 'uuid' }),
  /** The reservation's status after the call; `missing` when the order holds none. */
  status: Type.Union([ReservationStatus, Type.Literal('missing')]),
});
export type CommitOutcome = Static<typeof CommitOutcome>;

export const CommitBatchResult = Type.Object({ items: Type.Array(CommitOutcome) });
export type CommitBatchResult = Static<typeof CommitBatchResult>;

/** Most orders one group reservation carries. */
export const MAX_RESERVE_BATCH = 100;

export const ReserveBatchRequest = Type.Object(
  { reservations: Type.Array(ReserveRequest, { minItems: 1, maxItems: MAX_RESERVE_BATCH }) },
  { additionalProperties: false },
);
export type ReserveBatchRequest = Static<typeof ReserveBatchRequest>;

/** One order's answer within a group reservation: what `reserve` would have answered it, status and body. */
export const ReserveOutcome = Type.Object({
  orderId: Type.String({ format: 'uuid' }),
  /** 201 reserved now, 200 replayed, or the 4xx of `problem`. */
  status: Type.Integer(),
  reservation: Type.Optional(Reservation),
  problem: Type.Optional(
    Type.Object(
      {
        type: Type.String(),
        title: Type.String(),
        status: Type.Integer(),
        detail: Type.String(),
        productId: Type.Optional(Type.String()),
      },
      { additionalProperties: true },
    ),
  ),
});
export type ReserveOutcome = Static<typeof ReserveOutcome>;

export const ReserveBatchResult = Type.Object({ items: Type.Array(ReserveOutcome) });
export type ReserveBatchResult = Static<typeof ReserveBatchResult>;

export const reservationPaths = {
  /** POST ReserveRequest → 201 Reservation (200 when replayed); 409 insufficient-stock or reservation-released. */
  reserve: '/internal/reservations',
  /** POST ReserveBatchRequest → 200 ReserveBatchResult: reserves for many orders at once, each as `reserve` would. */
  reserveBatch: '/internal/reservations/batch',
  /** GET UnresolvedQuery → UnresolvedPage: `reserved` ones older than olderThanMs, oldest first. */
  unresolved: '/internal/reservations',
  /** POST → 200 Reservation `committed` (idempotent); 409 reservation-released; 404 none. */
  commit: (orderId: string) => `/internal/reservations/${orderId}/commit`,
  /** POST CommitBatchRequest → 200 CommitBatchResult: commits many at once, each as `commit` would (idempotent). */
  commitBatch: '/internal/reservations/commits',
  /** POST → 200 ReleaseResult (idempotent; committed stock is returned too, for a cancel); 404 none. */
  release: (orderId: string) => `/internal/reservations/${orderId}/release`,
} as const;

/** Problem `type` codes products answers with on reservation calls. */
export const ReservationProblem = {
  unknownProduct: 'unknown-product',
  insufficientStock: 'insufficient-stock',
  mixedCurrency: 'mixed-currency',
  released: 'reservation-released',
} as const;
