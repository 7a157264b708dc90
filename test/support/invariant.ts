// The stock invariant: for every product, initial stock = current stock + quantities held by orders not cancelled.
import assert from 'node:assert/strict';
import type { TestDatabase } from './database.ts';
import type { StoreUnderTest } from './stores.ts';

export async function stockInvariant(
  db: TestDatabase,
  initial: Map<string, number>,
): Promise<{ productId: string; initial: number; stock: number; held: number }[]> {
  const rows = await db.query<{ id: string; stock: number; held: number }>(
    `SELECT p.id, p.stock,
            COALESCE((SELECT sum(i.quantity) FROM orders.order_items i JOIN orders.orders o ON o.id = i.order_id
                      WHERE i.product_id = p.id AND o.status <> 'cancelled'), 0)::int AS held
       FROM catalog.products p WHERE p.id = ANY($1::uuid[])`,
    [[...initial.keys()]],
  );
  return rows.rows.map((r) => ({
    productId: r.id,
    initial: initial.get(r.id) as number,
    stock: r.stock,
    held: r.held,
  }));
}

/** Either store's view (test/support/stores.ts) or the PostgreSQL database directly. */
type Source = TestDatabase | Pick<StoreUnderTest, 'stockInvariant' | 'orphanReservations'>;
const isStore = (s: Source): s is Pick<StoreUnderTest, 'stockInvariant' | 'orphanReservations'> =>
  'stockInvariant' in s;

export async function assertStockInvariant(source: Source, initial: Map<string, number>): Promise<void> {
  const rows = isStore(source) ? await source.stockInvariant(initial) : await stockInvariant(source, initial);
  assert.equal(rows.length, initial.size, 'every product of the test is found');
  for (const r of rows)
    assert.equal(
      r.stock + r.held,
      r.initial,
      `product ${r.productId}: stock ${r.stock} + held ${r.held} != initial ${r.initial}`,
    );
}

/** Reservations held for orders that were never recorded or were cancelled: what the reconciler must clear. */
export async function orphanReservations(source: Source): Promise<number> {
  if (isStore(source)) return source.orphanReservations();
  const db = source;
  const r = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM catalog.reservations r
      WHERE r.status = 'reserved' AND NOT EXISTS (SELECT 1 FROM orders.orders o WHERE o.id = r.order_id AND o.status = 'confirmed')`,
  );
  return r.rows[0]?.n ?? 0;
}
