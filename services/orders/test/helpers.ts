// What the orders tests run against: users and products over the store under test (PostgreSQL, or DynamoDB with
// TEST_STORE=dynamodb), and factories for buyers and products that note each product's starting stock for the stock
// invariant a test file checks at its end.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { App } from '@shipshape/platform/service';
import { startProducts, startUsers, uniqueNamespace } from '../../../test/support/apps.ts';
import { adminCall as call } from '../../../test/support/auth.ts';
import { createTestDatabase, type TestDatabase } from '../../../test/support/database.ts';
import { REDIS_URL } from '../../../test/support/env.ts';
import { storeUnderTest, type StoreUnderTest } from '../../../test/support/stores.ts';

export interface Upstreams {
  db: TestDatabase;
  store: StoreUnderTest;
  /** Users, then products. */
  apps: App[];
  usersUrl: string;
  productsUrl: string;
}

/** A fresh database and store, with users and products sharing one cache namespace. */
export async function startUpstreams(): Promise<Upstreams> {
  const db = await createTestDatabase();
  const store = await storeUnderTest(db);
  const ns = uniqueNamespace();
  const u = await startUsers({ DATABASE_URL: db.url, REDIS_URL, CACHE_NAMESPACE: ns });
  const p = await startProducts({ ...store.products, REDIS_URL, CACHE_NAMESPACE: ns });
  return { db, store, apps: [u.app, p.app], usersUrl: u.url, productsUrl: p.url };
}

/** A buyer, through the users API. */
export const createUser = async (usersUrl: string) =>
  (await call(`${usersUrl}/users`, { body: { name: 'Buyer', email: `buyer-${randomUUID()}@example.com` } })).body as {
    id: string;
  };

/** A product, through the products API; its starting stock goes into `initial` for the stock invariant. */
export async function createProduct(
  productsUrl: string,
  initial: Map<string, number>,
  p: { skuPrefix: string; stock: number; priceCents: number },
) {
  const res = await call(`${productsUrl}/products`, {
    body: {
      sku: `${p.skuPrefix}-${randomUUID().slice(0, 8)}`,
      name: 'Thing',
      priceCents: p.priceCents,
      currency: 'EUR',
      stock: p.stock,
    },
  });
  assert.equal(res.status, 201, res.text);
  initial.set(res.body.id, p.stock);
  return res.body as { id: string };
}
