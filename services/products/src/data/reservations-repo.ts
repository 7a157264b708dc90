// SQL for stock reservations: the PostgreSQL ReservationStore. Nothing HTTP, no business rules beyond atomicity.
import type pg from 'pg';
import { isUniqueViolation, type Database } from '@shipshape/platform/db';
import type {
  CommitOutcome,
  Reservation,
  ReservationLine,
  ReservedItem,
} from '@shipshape/platform/contracts/reservations';
import type { KeysetPosition } from '@shipshape/platform/schemas';
import {
  stockShortOf,
  type HoldOutcome,
  type HoldRefusal,
  type HoldRequest,
  type ReservationStore,
} from '../domain/reservations.ts';

interface ReservationRow {
  product_id: string;
  quantity: number;
  unit_price_cents: string;
  currency: string;
  status: Reservation['status'];
}

const toItem = (r: Omit<ReservationRow, 'status'>): ReservedItem => ({
  productId: r.product_id,
  quantity: r.quantity,
  unitPriceCents: Number(r.unit_price_cents),
  currency: r.currency,
});

function toReservation(orderId: string, rows: ReservationRow[]): Reservation | undefined {
  const first = rows[0];
  if (!first) return undefined;
  return { orderId, status: first.status, items: rows.map(toItem) };
}

interface ProductRow {
  id: string;
  stock: number;
  price_cents: string;
  currency: string;
}

/** How often a hold goes round again when a product is repriced between its read and its statement. */
const REPRICE_ATTEMPTS = 3;
/** Most products whose last read price a process remembers for the groups after it (the oldest go first). */
const PRICES_REMEMBERED = 10_000;

/**
 * $1 order id; $2..$5 the lines sorted by product id: ids, quantities, and the unit prices and currencies they were
 * accepted at. One row per live product named, as locked; `held` is true on every row when the stock was taken.
 */
const RESERVE = `
WITH wanted AS (
  SELECT * FROM unnest($2::uuid[], $3::int[], $4::bigint[], $5::text[]) AS w(product_id, quantity, price_cents, currency)
), locked AS (
  SELECT p.id, p.stock, p.price_cents, p.currency FROM catalog.products p
  WHERE p.id = ANY($2::uuid[]) AND p.deleted_at IS NULL
  ORDER BY p.id FOR NO KEY UPDATE
), verdict AS (
  SELECT count(*) = cardinality($2::uuid[])
         AND bool_and(l.stock >= w.quantity AND l.price_cents = w.price_cents AND l.currency = w.currency) AS ok
  FROM wanted w JOIN locked l ON l.id = w.product_id
), taken AS (
  UPDATE catalog.products p SET stock = p.stock - w.quantity, updated_at = now()
  FROM wanted w WHERE p.id = w.product_id AND (SELECT ok FROM verdict)
  RETURNING p.id
), recorded AS (
  INSERT INTO catalog.reservations (order_id, product_id, quantity, unit_price_cents, currency)
  SELECT $1, w.product_id, w.quantity, w.price_cents, w.currency FROM wanted w WHERE (SELECT ok FROM verdict)
  RETURNING product_id
)
SELECT l.id, l.stock, l.price_cents, l.currency,
       (SELECT count(*) FROM taken) > 0 AND (SELECT count(*) FROM recorded) > 0 AS held
FROM locked l`;

const byProduct = <T extends { productId: string }>(a: T, b: T) => a.productId.localeCompare(b.productId);

/** The lines as items at the prices read, or the refusal naming a product that is not live. */
function priceLines(lines: ReservationLine[], priced: Map<string, ProductRow>): ReservedItem[] | HoldRefusal {
  const items: ReservedItem[] = [];
  for (const line of lines) {
    const row = priced.get(line.productId);
    if (!row) return { kind: 'unknown-product', productId: line.productId };
    items.push({
      productId: line.productId,
      quantity: line.quantity,
      unitPriceCents: Number(row.price_cents),
      currency: row.currency,
    });
  }
  return items;
}

export class ReservationsRepo implements ReservationStore {
  private readonly db: Database;
  /**
   * Each product's price and currency as last read, so that a group's first pass reads only the products it has not
   * seen: one statement fewer on the way of most groups. Never the ground for a decision. `reserve_many` holds only at
   * the locked row's price and currency (an order priced from a stale entry comes back repriced and goes through
   * `hold`, which reads afresh), and a refusal priced from a remembered entry is made again by `hold`.
   */
  private readonly remembered = new Map<string, ProductRow>();
  constructor(db: Database) {
    this.db = db;
  }

  private async rows(client: Pick<pg.PoolClient, 'query'>, orderId: string): Promise<ReservationRow[]> {
    const res = await client.query<ReservationRow>(
      'SELECT product_id, quantity, unit_price_cents, currency, status FROM catalog.reservations WHERE order_id = $1 ORDER BY product_id',
      [orderId],
    );
    return res.rows;
  }

  async find(orderId: string): Promise<Reservation | undefined> {
    return toReservation(orderId, await this.rows(this.db.pool, orderId));
  }

  /**
   * Prices the lines from a plain read and asks `accept` about them, then takes the stock in one statement: it locks
   * the products in id order (no deadlocks), checks every line against the locked rows (live, enough stock, price and
   * currency as read), and only then decrements and records. A statement is atomic, so a line that fails leaves
   * nothing taken; and the locks of a hot product are held for that one statement and its commit, never across a
   * round trip to this process. The CHECK constraint on stock backs the decrement. A product repriced between the
   * read and the statement sends the hold round again.
   */
  async hold(
    orderId: string,
    lines: ReservationLine[],
    accept: (items: ReservedItem[]) => HoldRefusal | undefined,
  ): Promise<HoldOutcome> {
    const sorted = [...lines].sort(byProduct);
    const ids = sorted.map((l) => l.productId);
    for (let attempt = 1; ; attempt++) {
      const items = priceLines(sorted, new Map((await this.prices(ids)).map((r) => [r.id, r])));
      if (!Array.isArray(items)) return items;
      const refused = accept(items);
      if (refused) return refused;
      let res: pg.QueryResult<ProductRow & { held: boolean }>;
      try {
        res = await this.db.query<ProductRow & { held: boolean }>('reservations_reserve', RESERVE, [
          orderId,
          ids,
          items.map((i) => i.quantity),
          items.map((i) => i.unitPriceCents),
          items.map((i) => i.currency),
        ]);
      } catch (err) {
        if (isUniqueViolation(err)) return { kind: 'exists' };
        throw err;
      }
      if (res.rows[0]?.held) return { kind: 'held', items };
      // Nothing was taken: say why from the locked rows.
      const locked = new Map(res.rows.map((r) => [r.id, r]));
      let repriced = false;
      for (const item of items) {
        const row = locked.get(item.productId);
        if (!row) return { kind: 'unknown-product', productId: item.productId };
        const short = stockShortOf(item, row.stock);
        if (short) return short;
        if (Number(row.price_cents) !== item.unitPriceCents || row.currency !== item.currency) repriced = true;
      }
      if (!repriced) throw new Error(`stock for order ${orderId} was not held, and no line says why`);
      if (attempt === REPRICE_ATTEMPTS) {
        throw new Error(`stock for order ${orderId} was not held: its products were repriced ${attempt} times`);
      }
    }
  }

  /**
   * Group reservation: prices every order's lines (from the remembered prices, and one read for the products not
   * among them) and asks `accept` about each, then holds for all the accepted orders in one statement and one commit
   * (`catalog.reserve_many`), which locks each product once for the group instead of once per order. An order whose
   * product was repriced in between, whose refusal rests on a remembered price, or whose id repeats within the group
   * goes through `hold` on its own afterwards.
   */
  async holdMany(
    requests: HoldRequest[],
    accept: (items: ReservedItem[]) => HoldRefusal | undefined,
  ): Promise<HoldOutcome[]> {
    const priced = new Map<string, ProductRow>();
    const unread = new Set<string>();
    for (const id of new Set(requests.flatMap((r) => r.lines.map((l) => l.productId)))) {
      const known = this.remembered.get(id);
      if (known) priced.set(id, known);
      else unread.add(id);
    }
    if (unread.size > 0) for (const row of await this.prices([...unread])) priced.set(row.id, row);
    const outcomes: (HoldOutcome | undefined)[] = requests.map(() => undefined);
    const grouped: { index: number; orderId: string; items: ReservedItem[] }[] = [];
    const alone: number[] = [];
    const seen = new Set<string>();
    requests.forEach((r, index) => {
      if (seen.has(r.orderId)) {
        alone.push(index);
        return;
      }
      seen.add(r.orderId);
      const items = priceLines([...r.lines].sort(byProduct), priced);
      const refused = Array.isArray(items) ? accept(items) : items;
      if (refused && r.lines.every((l) => unread.has(l.productId))) outcomes[index] = refused;
      else if (refused) alone.push(index);
      else if (Array.isArray(items)) grouped.push({ index, orderId: r.orderId, items });
    });
    if (grouped.length > 0) {
      const lines = grouped.flatMap((g) => g.items.map((item) => ({ orderId: g.orderId, ...item })));
      const res = await this.db.query<{ outcome: string; product_id: string | null; available: number | null }>(
        'reservations_reserve_many',
        `SELECT outcome, product_id, available
           FROM catalog.reserve_many($1::uuid[], $2::uuid[], $3::int[], $4::bigint[], $5::text[])`,
        [
          lines.map((l) => l.orderId),
          lines.map((l) => l.productId),
          lines.map((l) => l.quantity),
          lines.map((l) => l.unitPriceCents),
          lines.map((l) => l.currency),
        ],
      );
      grouped.forEach((g, k) => {
        const row = res.rows[k];
        const productId = row?.product_id ?? '';
        switch (row?.outcome) {
          case 'held':
            outcomes[g.index] = { kind: 'held', items: g.items };
            break;
          case 'exists':
            outcomes[g.index] = { kind: 'exists' };
            break;
          case 'unknown-product':
            this.remembered.delete(productId);
            outcomes[g.index] = { kind: 'unknown-product', productId };
            break;
          case 'insufficient-stock': {
            const requested = g.items.find((i) => i.productId === productId)?.quantity ?? 0;
            outcomes[g.index] = { kind: 'insufficient-stock', productId, available: row.available ?? 0, requested };
            break;
          }
          default:
            // Repriced since the read (or no row at all): this order goes on its own, reading the price again.
            alone.push(g.index);
        }
      });
    }
    for (const index of alone) {
      const r = requests[index] as HoldRequest;
      outcomes[index] = await this.hold(r.orderId, r.lines, accept);
    }
    return outcomes as HoldOutcome[];
  }

  /** The live products among `ids`, read now; what is read is remembered for the groups after it. */
  private async prices(ids: string[]): Promise<ProductRow[]> {
    const read = await this.db.query<ProductRow>(
      'reservations_price',
      'SELECT id, stock, price_cents, currency FROM catalog.products WHERE id = ANY($1::uuid[]) AND deleted_at IS NULL',
      [ids],
    );
    for (const id of ids) this.remembered.delete(id);
    for (const row of read.rows) this.remembered.set(row.id, row);
    for (const oldest of this.remembered.keys()) {
      if (this.remembered.size <= PRICES_REMEMBERED) break;
      this.remembered.delete(oldest);
    }
    return read.rows;
  }

  async commit(orderId: string): Promise<{ reservation: Reservation; changed: boolean } | undefined> {
    // The outer SELECT sees the rows as they were before the UPDATE (one snapshot), so `changed` says whether this
    // call was the one that committed them.
    const res = await this.db.query<ReservationRow & { changed: boolean }>(
      'reservations_commit',
      `WITH done AS (
         UPDATE catalog.reservations SET status = 'committed', committed_at = now()
         WHERE order_id = $1 AND status = 'reserved' RETURNING 1
       )
       SELECT product_id, quantity, unit_price_cents, currency,
              CASE WHEN EXISTS (SELECT 1 FROM done) THEN 'committed' ELSE status END AS status,
              EXISTS (SELECT 1 FROM done) AS changed
       FROM catalog.reservations WHERE order_id = $1 ORDER BY product_id`,
      [orderId],
    );
    const reservation = toReservation(orderId, res.rows);
    return reservation && { reservation, changed: res.rows[0]?.changed === true };
  }

  async commitMany(orderIds: string[]): Promise<{ outcomes: CommitOutcome[]; committed: number }> {
    // As in commit: the outer SELECT sees each reservation's status from before the UPDATE.
    const res = await this.db.query<{ order_id: string; status: Reservation['status'] | null; changed: boolean }>(
      'reservations_commit_many',
      `WITH done AS (
         UPDATE catalog.reservations SET status = 'committed', committed_at = now()
         WHERE order_id = ANY($1::uuid[]) AND status = 'reserved' RETURNING order_id
       )
       SELECT w.order_id,
              (SELECT r.status FROM catalog.reservations r WHERE r.order_id = w.order_id LIMIT 1) AS status,
              EXISTS (SELECT 1 FROM done d WHERE d.order_id = w.order_id) AS changed
       FROM unnest($1::uuid[]) AS w(order_id)`,
      [orderIds],
    );
    let committed = 0;
    const outcomes = res.rows.map((r): CommitOutcome => {
      if (r.changed) committed += 1;
      return { orderId: r.order_id, status: r.changed ? 'committed' : (r.status ?? 'missing') };
    });
    return { outcomes, committed };
  }

  async release(orderId: string): Promise<{ returned: ReservedItem[] } | undefined> {
    return this.db.tx('reservations_release', async (client) => {
      const res = await client.query<Omit<ReservationRow, 'status'>>(
        `UPDATE catalog.reservations SET status = 'released', released_at = now()
         WHERE order_id = $1 AND status IN ('reserved', 'committed')
         RETURNING product_id, quantity, unit_price_cents, currency`,
        [orderId],
      );
      const returned = res.rows.map(toItem).sort(byProduct);
      for (const item of returned) {
        await client.query('UPDATE catalog.products SET stock = stock + $2, updated_at = now() WHERE id = $1', [
          item.productId,
          item.quantity,
        ]);
      }
      if (returned.length === 0) {
        const any = await client.query('SELECT 1 FROM catalog.reservations WHERE order_id = $1 LIMIT 1', [orderId]);
        if (any.rowCount === 0) return undefined;
      }
      return { returned };
    });
  }

  /** Reads only the partial index of `reserved` rows, however many resolved ones exist. */
  async unresolved(olderThanMs: number, limit: number, after: KeysetPosition | undefined): Promise<KeysetPosition[]> {
    const res = await this.db.query<{ order_id: string; created_at: Date }>(
      'reservations_unresolved',
      `SELECT order_id, created_at FROM catalog.reservations
       WHERE status = 'reserved' AND created_at < now() - make_interval(secs => $1::double precision / 1000)
         AND ($3::timestamptz IS NULL OR (created_at, order_id) > ($3::timestamptz, $4::uuid))
       GROUP BY created_at, order_id ORDER BY created_at, order_id LIMIT $2`,
      [olderThanMs, limit, after?.createdAt ?? null, after?.id ?? null],
    );
    return res.rows.map((r) => ({ id: r.order_id, createdAt: r.created_at.toISOString() }));
  }
}
