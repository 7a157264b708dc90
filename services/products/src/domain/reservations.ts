// Stock reservations as use cases: reserve for an order, commit once the order is recorded, release to return the
// stock, and list the unresolved ones for the orders reconciler. The rules live here; a ReservationStore only keeps
// the data (PostgreSQL today, any store that can take stock atomically tomorrow).
import { Problem, conflict, notFound, unprocessable } from '@shipshape/platform/errors';
import {
  ReservationProblem,
  type CommitOutcome,
  type Reservation,
  type ReservationLine,
  type ReservedItem,
  type UnresolvedPage,
} from '@shipshape/platform/contracts/reservations';
import { decodeCursor, encodeCursor, type KeysetPosition } from '@shipshape/platform/schemas';

/** Why a hold took nothing. */
export type HoldRefusal =
  | { kind: 'unknown-product'; productId: string }
  | { kind: 'insufficient-stock'; productId: string; available: number; requested: number }
  | { kind: 'mixed-currency' };

/** The refusal when a product's stock cannot cover a line; undefined when it can. */
export function stockShortOf(line: ReservationLine, available: number): HoldRefusal | undefined {
  if (available >= line.quantity) return undefined;
  return { kind: 'insufficient-stock', productId: line.productId, available, requested: line.quantity };
}

/** One order's lines, as a group reservation carries them. */
export interface HoldRequest {
  orderId: string;
  lines: ReservationLine[];
}

export type HoldOutcome = { kind: 'held'; items: ReservedItem[] } | { kind: 'exists' } | HoldRefusal;

export interface ReservationStore {
  /** The reservation recorded for an order, whatever its status. */
  find(orderId: string): Promise<Reservation | undefined>;
  /**
   * All or nothing, atomically: takes each line's quantity from a live product without letting stock go below zero,
   * asks `accept` about the priced items, and records them `reserved`. `exists` when the order already holds one.
   */
  hold(
    orderId: string,
    lines: ReservationLine[],
    accept: (items: ReservedItem[]) => HoldRefusal | undefined,
  ): Promise<HoldOutcome>;
  /**
   * `hold` for many orders at once (group reservation): each all or nothing and independent of the others, in the
   * order given, each against the stock the ones before it left. One outcome per request, in that order.
   */
  holdMany(requests: HoldRequest[], accept: (items: ReservedItem[]) => HoldRefusal | undefined): Promise<HoldOutcome[]>;
  /**
   * `reserved` → `committed`; the reservation afterwards (any status) and whether this call committed it, undefined
   * when there is none.
   */
  commit(orderId: string): Promise<{ reservation: Reservation; changed: boolean } | undefined>;
  /** `commit` for many orders in one go: each order's status afterwards (`missing` when it holds none). */
  commitMany(orderIds: string[]): Promise<{ outcomes: CommitOutcome[]; committed: number }>;
  /** `reserved` or `committed` → `released`, stock returned; the items returned now, undefined when there is none. */
  release(orderId: string): Promise<{ returned: ReservedItem[] } | undefined>;
  /** `reserved` ones created before `olderThanMs` ago, oldest first, after the given position. */
  unresolved(olderThanMs: number, limit: number, after: KeysetPosition | undefined): Promise<KeysetPosition[]>;
}

export interface ReserveResult {
  reservation: Reservation;
  replayed: boolean;
}

const sameCurrency = (items: ReservedItem[]): HoldRefusal | undefined =>
  new Set(items.map((i) => i.currency)).size > 1 ? { kind: 'mixed-currency' } : undefined;

function replay(existing: Reservation): ReserveResult {
  if (existing.status === 'released') {
    throw conflict(ReservationProblem.released, `the reservation for order ${existing.orderId} was released`);
  }
  return { reservation: existing, replayed: true };
}

function refusal(r: HoldRefusal): Problem {
  switch (r.kind) {
    case 'unknown-product':
      return unprocessable(ReservationProblem.unknownProduct, `product ${r.productId} does not exist`, {
        productId: r.productId,
      });
    case 'insufficient-stock':
      return conflict(
        ReservationProblem.insufficientStock,
        `product ${r.productId} has ${r.available} in stock, ${r.requested} requested`,
        { productId: r.productId, available: r.available, requested: r.requested },
      );
    case 'mixed-currency':
      return unprocessable(ReservationProblem.mixedCurrency, 'all items of an order must share one currency');
  }
}

function checkLines(lines: ReservationLine[]): void {
  const ids = lines.map((l) => l.productId);
  if (new Set(ids).size !== ids.length) {
    throw new Problem(400, 'validation-error', 'Bad Request', 'items must not repeat a productId', {
      errors: [{ field: 'body.items', message: 'repeats a productId' }],
    });
  }
}

/** What a hold's outcome answers: the reservation made now, the one the order already has, or the refusal. */
async function answer(store: ReservationStore, orderId: string, outcome: HoldOutcome): Promise<ReserveResult> {
  if (outcome.kind === 'held') {
    return { reservation: { orderId, status: 'reserved', items: outcome.items }, replayed: false };
  }
  // Not held now: a reservation the order already has (a retry, or a concurrent twin that won) answers first,
  // whatever the stock or the catalog says today.
  const existing = await store.find(orderId);
  if (existing) return replay(existing);
  if (outcome.kind === 'exists') throw new Error(`reservation for order ${orderId} vanished`);
  throw refusal(outcome);
}

/** Reserves every line or none; keyed by order id, so a repeat answers the first result (`replayed`). */
export async function reserveStock(
  store: ReservationStore,
  orderId: string,
  lines: ReservationLine[],
): Promise<ReserveResult> {
  checkLines(lines);
  // A first attempt is by far the common case, so it goes straight to the hold; a store never holds twice for one
  // order (`exists`).
  return answer(store, orderId, await store.hold(orderId, lines, sameCurrency));
}

/** One order's answer within a group reservation: what `reserveStock` returns for it, or the problem it throws. */
export type GroupReserveOutcome = { orderId: string } & ({ result: ReserveResult } | { problem: Problem });

/**
 * `reserveStock` for many orders in one go (group reservation): each order is reserved whole or not at all, and
 * answered as `reserveStock` would answer it alone.
 */
export async function reserveStockGroup(
  store: ReservationStore,
  requests: HoldRequest[],
): Promise<GroupReserveOutcome[]> {
  const checked: HoldRequest[] = [];
  const early = new Map<number, Problem>();
  requests.forEach((r, i) => {
    try {
      checkLines(r.lines);
      checked.push(r);
    } catch (err) {
      early.set(i, err as Problem);
    }
  });
  const outcomes = checked.length > 0 ? await store.holdMany(checked, sameCurrency) : [];
  let next = 0;
  return Promise.all(
    requests.map(async (r, i) => {
      const problem = early.get(i);
      if (problem) return { orderId: r.orderId, problem };
      const outcome = outcomes[next++] as HoldOutcome;
      try {
        return { orderId: r.orderId, result: await answer(store, r.orderId, outcome) };
      } catch (err) {
        if (err instanceof Problem) return { orderId: r.orderId, problem: err };
        throw err;
      }
    }),
  );
}

/** Ends a reservation's life with its order; idempotent. A released one cannot be committed. */
export async function commitReservation(
  store: ReservationStore,
  orderId: string,
): Promise<{ reservation: Reservation; changed: boolean }> {
  const after = await store.commit(orderId);
  if (!after) throw notFound('reservation for order', orderId);
  if (after.reservation.status === 'released') {
    throw conflict(ReservationProblem.released, `the reservation for order ${orderId} was released`);
  }
  return after;
}

/** Ends many reservations with their recorded orders (group commit); idempotent, and never commits a released one. */
export async function commitReservations(
  store: ReservationStore,
  orderIds: string[],
): Promise<{ outcomes: CommitOutcome[]; committed: number }> {
  return store.commitMany(orderIds);
}

/** Returns the stock held for an order (also a committed order's, when it is cancelled); idempotent. */
export async function releaseReservation(
  store: ReservationStore,
  orderId: string,
): Promise<{ returned: ReservedItem[] }> {
  const out = await store.release(orderId);
  if (!out) throw notFound('reservation for order', orderId);
  return out;
}

/** One page of unresolved reservations; `nextCursor` continues after the last one. */
export async function unresolvedReservations(
  store: ReservationStore,
  q: { olderThanMs: number; limit: number; after?: string | undefined },
): Promise<UnresolvedPage> {
  const rows = await store.unresolved(q.olderThanMs, q.limit + 1, decodeCursor(q.after, 'querystring.after'));
  const items = rows.slice(0, q.limit);
  const last = items.at(-1);
  return {
    items: items.map((r) => ({ orderId: r.id, createdAt: r.createdAt })),
    nextCursor: rows.length > q.limit && last ? encodeCursor(last) : null,
  };
}
