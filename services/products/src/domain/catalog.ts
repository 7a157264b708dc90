// The catalog as the routes see it: products with stock, behind a ProductStore (PostgreSQL or DynamoDB, chosen by
// STORE). The routes and use cases never know which one they talk to.
import type { Static } from '@sinclair/typebox';
import type { KeysetPosition } from '@shipshape/platform/schemas';
import type { CreateProduct, ProductSchema, UpdateProduct } from '../schemas.ts';

export type Product = Static<typeof ProductSchema>;
export type NewProduct = Static<typeof CreateProduct>;
export type ProductPatch = Static<typeof UpdateProduct>;

/** A live product already has this SKU. */
export class DuplicateSku extends Error {}

export interface ProductStore {
  /** Throws DuplicateSku when a live product has the SKU. */
  create(p: NewProduct): Promise<Product>;
  get(id: string): Promise<Product | undefined>;
  /** Live products by (createdAt, id) after the position; up to limit + 1, so the caller sees whether more follow. */
  list(limit: number, after: KeysetPosition | undefined): Promise<Product[]>;
  update(id: string, p: ProductPatch): Promise<Product | undefined>;
  /** False when there was no live product. */
  softDelete(id: string): Promise<boolean>;
}
