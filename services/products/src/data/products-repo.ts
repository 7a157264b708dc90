// SQL for the catalog: products and stock reservations. Nothing HTTP here.
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { Rollback, type Database } from '@shipshape/platform/db';
import type { KeysetPosition } from '@shipshape/platform/schemas';

export interface Product {
  id: string;
  sku: string;
  name: string;
  description: string;
  priceCents: number;
  currency: string;
  stock: number;
  createdAt: string;
  updatedAt: string;
}

export interface NewProduct {
  sku: string;
  name: string;
  description?: string | undefined;
  priceCents: number;
  currency: string;
  stock: number;
}

export type ProductPatch = Partial<Omit<NewProduct, 'sku'>>;

interface ProductRow {
  id: string;
  sku: string;
  name: string;
  description: string;
  price_cents: string;
  currency: string;
  stock: number;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = 'id, sku, name, description, price_cents, currency, stock, created_at, updated_at';
const toProduct = (r: ProductRow): Product => ({
  id: r.id,
  sku: r.sku,
  name: r.name,
  description: r.description,
  priceCents: Number(r.price_cents),
  currency: r.currency,
  stock: r.stock,
  createdAt: r.created_at.toISOString(),
  updatedAt: r.updated_at.toISOString(),
});

export class DuplicateSku extends Error {}
const isUniqueViolation = (err: unknown) => (err as { code?: string }).code === '23505';

export interface ReservedItem {
  productId: string;
  quantity: number;
  unitPriceCents: number;
  currency: string;
}

export type ReserveOutcome =
  | { kind: 'reserved'; items: ReservedItem[]; replayed: boolean }
  | { kind: 'unknown-product'; productId: string }
  | { kind: 'insufficient-stock'; productId: string; available: number; requested: number }
  | { kind: 'mixed-currency' };

export class ProductsRepo {
  private readonly db: Database;
  constructor(db: Database) {
    this.db = db;
  }

  async create(p: NewProduct): Promise<Product> {
    try {
      const res = await this.db.query<ProductRow>(
        'products_insert',
        `INSERT INTO catalog.products (id, sku, name, description, price_cents, currency, stock) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${COLUMNS}`,
        [randomUUID(), p.sku, p.name, p.description ?? '', p.priceCents, p.currency, p.stock],
      );
      return toProduct(res.rows[0] as ProductRow);
    } catch (err) {
      if (isUniqueViolation(err)) throw new DuplicateSku(p.sku);
      throw err;
    }
  }

  async get(id: string): Promise<Product | undefined> {
    const res = await this.db.query<ProductRow>(
      'products_get',
      `SELECT ${COLUMNS} FROM catalog.products WHERE id = $1 AND deleted_at IS NULL`,
      [id],
    );
    return res.rows[0] ? toProduct(res.rows[0]) : undefined;
  }

  async list(limit: number, after: KeysetPosition | undefined): Promise<Product[]> {
    const res = after
      ? await this.db.query<ProductRow>(
          'products_list',
          `SELECT ${COLUMNS} FROM catalog.products WHERE deleted_at IS NULL AND (created_at, id) > ($1::timestamptz, $2::uuid) ORDER BY created_at, id LIMIT $3`,
          [after.createdAt, after.id, limit + 1],
        )
      : await this.db.query<ProductRow>(
          'products_list',
          `SELECT ${COLUMNS} FROM catalog.products WHERE deleted_at IS NULL ORDER BY created_at, id LIMIT $1`,
          [limit + 1],
        );
    return res.rows.map(toProduct);
  }

  async update(id: string, p: ProductPatch): Promise<Product | undefined> {
    const res = await this.db.query<ProductRow>(
      'products_update',
      `UPDATE catalog.products SET
         name = COALESCE($2, name), description = COALESCE($3, description), price_cents = COALESCE($4, price_cents),
         currency = COALESCE($5, currency), stock = COALESCE($6, stock), updated_at = now()
       WHERE id = $1 AND deleted_at IS NULL RETURNING ${COLUMNS}`,
      [id, p.name ?? null, p.description ?? null, p.priceCents ?? null, p.currency ?? null, p.stock ?? null],
    );
    return res.rows[0] ? toProduct(res.rows[0]) : undefined;
  }

  async softDelete(id: string): Promise<boolean> {
    const res = await this.db.query(
      'products_delete',
      'UPDATE catalog.products SET deleted_at = now(), updated_at = now() WHERE id = $1 AND deleted_at IS NULL',
      [id],
    );
    return (res.rowCount ?? 0) > 0;
  }

  private async existingReservation(client: Pick<pg.PoolClient, 'query'>, orderId: string): Promise<ReservedItem[]> {
    const res = await client.query<{
      product_id: string;
      quantity: number;
      unit_price_cents: string;
      currency: string;
    }>(
      'SELECT product_id, quantity, unit_price_cents, currency FROM catalog.reservations WHERE order_id = $1 ORDER BY product_id',
      [orderId],
    );
    return res.rows.map((r) => ({
      productId: r.product_id,
      quantity: r.quantity,
      unitPriceCents: Number(r.unit_price_cents),
      currency: r.currency,
    }));
  }

  /**
   * Reserves every item or none, in one transaction. Each decrement is conditional (stock >= quantity) and the
   * CHECK constraint backs it, so concurrent orders can never oversell. Rows are locked in id order to avoid deadlocks.
   */
  async reserve(orderId: string, items: { productId: string; quantity: number }[]): Promise<ReserveOutcome> {
    try {
      return await this.db.tx<ReserveOutcome>('reservations_reserve', async (client) => {
        const existing = await this.existingReservation(client, orderId);
        if (existing.length) return { kind: 'reserved', items: existing, replayed: true };
        const sorted = [...items].sort((a, b) => a.productId.localeCompare(b.productId));
        const reserved: ReservedItem[] = [];
        for (const item of sorted) {
          const res = await client.query<{ price_cents: string; currency: string }>(
            `UPDATE catalog.products SET stock = stock - $2, updated_at = now()
             WHERE id = $1 AND deleted_at IS NULL AND stock >= $2 RETURNING price_cents, currency`,
            [item.productId, item.quantity],
          );
          const row = res.rows[0];
          if (!row) {
            const found = await client.query<{ stock: number }>(
              'SELECT stock FROM catalog.products WHERE id = $1 AND deleted_at IS NULL',
              [item.productId],
            );
            const current = found.rows[0];
            throw new Rollback<ReserveOutcome>(
              current
                ? {
                    kind: 'insufficient-stock',
                    productId: item.productId,
                    available: current.stock,
                    requested: item.quantity,
                  }
                : { kind: 'unknown-product', productId: item.productId },
            );
          }
          reserved.push({
            productId: item.productId,
            quantity: item.quantity,
            unitPriceCents: Number(row.price_cents),
            currency: row.currency,
          });
        }
        if (new Set(reserved.map((r) => r.currency)).size > 1) {
          throw new Rollback<ReserveOutcome>({ kind: 'mixed-currency' });
        }
        for (const r of reserved) {
          await client.query(
            'INSERT INTO catalog.reservations (order_id, product_id, quantity, unit_price_cents, currency) VALUES ($1, $2, $3, $4, $5)',
            [orderId, r.productId, r.quantity, r.unitPriceCents, r.currency],
          );
        }
        return { kind: 'reserved', items: reserved, replayed: false };
      });
    } catch (err) {
      // A concurrent reservation for the same order won the race: its result is ours.
      if (isUniqueViolation(err)) {
        const items = await this.existingReservation(this.db.pool, orderId);
        return { kind: 'reserved', items, replayed: true };
      }
      throw err;
    }
  }

  /** Returns held stock; repeating it changes nothing. Undefined when the order never reserved anything. */
  async release(orderId: string): Promise<{ released: number; productIds: string[] } | undefined> {
    return this.db.tx('reservations_release', async (client) => {
      const res = await client.query<{ product_id: string; quantity: number }>(
        `UPDATE catalog.reservations SET status = 'released', released_at = now()
         WHERE order_id = $1 AND status = 'reserved' RETURNING product_id, quantity`,
        [orderId],
      );
      const rows = [...res.rows].sort((a, b) => a.product_id.localeCompare(b.product_id));
      for (const r of rows) {
        await client.query('UPDATE catalog.products SET stock = stock + $2, updated_at = now() WHERE id = $1', [
          r.product_id,
          r.quantity,
        ]);
      }
      if (rows.length === 0) {
        const any = await client.query('SELECT 1 FROM catalog.reservations WHERE order_id = $1 LIMIT 1', [orderId]);
        if (any.rowCount === 0) return undefined;
      }
      return { released: rows.length, productIds: rows.map((r) => r.product_id) };
    });
  }

  /** Orders holding stock for longer than `olderThanMs`: candidates for the orders service's reconciler. */
  async openReservations(olderThanMs: number, limit: number): Promise<{ orderId: string; createdAt: string }[]> {
    const res = await this.db.query<{ order_id: string; created_at: Date }>(
      'reservations_open',
      `SELECT order_id, min(created_at) AS created_at FROM catalog.reservations
       WHERE status = 'reserved' AND created_at < now() - make_interval(secs => $1::double precision / 1000)
       GROUP BY order_id ORDER BY min(created_at) LIMIT $2`,
      [olderThanMs, limit],
    );
    return res.rows.map((r) => ({ orderId: r.order_id, createdAt: r.created_at.toISOString() }));
  }
}
