// SQL for the catalog's products. Nothing HTTP here (reservations: reservations-repo.ts).
import { randomUUID } from 'node:crypto';
import { isUniqueViolation, type Database } from '@shipshape/platform/db';
import type { KeysetPosition } from '@shipshape/platform/schemas';

import {
  DuplicateSku,
  type NewProduct,
  type Product,
  type ProductPatch,
  type ProductStore,
} from '../domain/catalog.ts';

export { DuplicateSku, type NewProduct, type Product, type ProductPatch };

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

export class ProductsRepo implements ProductStore {
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
}
