// The sample products in a DynamoDB catalog table, for the development launcher and the benchmark (npm start with
// STORE=dynamodb). Not in tools/db: the images' migrate and seed commands stay free of the products service's code.
import type { DynamoTarget } from '../db/dynamodb-tables.ts';

/** The sample products (npm run seed) in the catalog table; products that exist are kept. Returns how many were new. */
export async function seedDynamoProducts(target: DynamoTarget): Promise<number> {
  const { DynamoStore } = await import('@shipshape/platform/dynamodb');
  const { DynamoCatalogStore } = await import('../../services/products/src/data/dynamodb/catalog-store.ts');
  const { SEED_PRODUCTS } = await import('../db/seed.ts');
  const store = new DynamoStore({
    DYNAMODB_ENDPOINT: target.endpoint,
    AWS_REGION: target.region,
    DYNAMODB_TABLE: target.tables.products,
    DYNAMODB_TIMEOUT_MS: 10_000,
  });
  try {
    const catalog = new DynamoCatalogStore(store);
    let added = 0;
    for (const p of SEED_PRODUCTS) if (await catalog.seed(p)) added += 1;
    return added;
  } finally {
    store.close();
  }
}
