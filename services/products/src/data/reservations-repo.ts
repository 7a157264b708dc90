// SQL for stock reservations: the PostgreSQL ReservationStore. Nothing HTTP, no business rules beyond atomicity.
import type pg from 'pg';
import { Rollback, isUniqueViolation, type Database } from '@shipshape/platform/db';
import type { Reservation, ReservationLine, ReservedItem } from '@shipshape/platform/contracts/reservations';
import type { KeysetPosition } from '@shipshape/platform/schemas';
import type { HoldOutcome, HoldRefusal, ReservationStore } from '../domain/reservations.ts';

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

const byProduct = <T extends { productId: string }>(a: T, b: T) => a.productId.localeCompare(b.productId);

export class ReservationsRepo implements ReservationStore {
  private readonly db: Database;
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
   * One transaction. Each decrement is conditional (stock >= quantity) and the CHECK constraint backs it, so
   * concurrent orders can never oversell; rows are locked in id order to avoid deadlocks.
   */
  async hold(
    orderId: string,
    lines: ReservationLine[],
    accept: (items: ReservedItem[]) => HoldRefusal | undefined,
  ): Promise<HoldOutcome> {
    try {
      return await this.db.tx<HoldOutcome>('reservations_reserve', async (client) => {
        const items: ReservedItem[] = [];
        for (const line of [...lines].sort(byProduct)) {
          const res = await client.query<{ price_cents: string; currency: string }>(
            `UPDATE catalog.products SET stock = stock - $2, updated_at = now()
             WHERE id = $1 AND deleted_at IS NULL AND stock >= $2 RETURNING price_cents, currency`,
            [line.productId, line.quantity],
          );
          const row = res.rows[0];
          if (!row) {
            const found = await client.query<{ stock: number }>(
              'SELECT stock FROM catalog.products WHERE id = $1 AND deleted_at IS NULL',
              [line.productId],
            );
            const current = found.rows[0];
            throw new Rollback<HoldOutcome>(
              current
                ? {
                    kind: 'insufficient-stock',
                    productId: line.productId,
                    available: current.stock,
                    requested: line.quantity,
                  }
                : { kind: 'unknown-product', productId: line.productId },
            );
          }
          items.push({
            productId: line.productId,
            quantity: line.quantity,
            unitPriceCents: Number(row.price_cents),
            currency: row.currency,
          });
        }
        const refused = accept(items);
        if (refused) throw new Rollback<HoldOutcome>(refused);
        await client.query(
          `INSERT INTO catalog.reservations (order_id, product_id, quantity, unit_price_cents, currency)
           SELECT $1, * FROM unnest($2::uuid[], $3::int[], $4::bigint[], $5::text[])`,
          [
            orderId,
            items.map((i) => i.productId),
            items.map((i) => i.quantity),
            items.map((i) => i.unitPriceCents),
            items.map((i) => i.currency),
          ],
        );
        return { kind: 'held', items };
      });
    } catch (err) {
      if (isUniqueViolation(err)) return { kind: 'exists' };
      throw err;
    }
  }

  async commit(orderId: string): Promise<Reservation | undefined> {
    await this.db.query(
      'reservations_commit',
      `UPDATE catalog.reservations SET status = 'committed', committed_at = now()
       WHERE order_id = $1 AND status = 'reserved'`,
      [orderId],
    );
    return this.find(orderId);
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
