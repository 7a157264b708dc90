// The DynamoDB tables of the services that can use STORE=dynamodb: what `npm run migrate` creates (with
// STORE=dynamodb) and what the Terraform check compares modules/dynamodb with. The suffix is the Terraform table key.
import { Type } from '@sinclair/typebox';
import { loadConfig } from '@shipshape/platform/config';
import { dynamodbEnv, ensureTable, type TableDefinition } from '@shipshape/platform/dynamodb';
import { ORDERS_TABLE } from '../../services/orders/src/data/dynamodb/table.ts';
import { CATALOG_TABLE } from '../../services/products/src/data/dynamodb/table.ts';

export type DynamoService = 'orders' | 'products';

export const DYNAMODB_TABLES: Record<DynamoService, { suffix: string; definition: TableDefinition }> = {
  orders: { suffix: 'orders', definition: ORDERS_TABLE },
  products: { suffix: 'catalog', definition: CATALOG_TABLE },
};

/** The table name a service uses by default (its DYNAMODB_TABLE default): shipshape-orders, shipshape-catalog. */
export const defaultTableName = (service: DynamoService, prefix = 'shipshape') =>
  `${prefix}-${DYNAMODB_TABLES[service].suffix}`;

/**
 * Creates the tables of the given services when missing. With one service, DYNAMODB_TABLE names its table (the
 * same variable the service reads, so a chart Job can share its env); otherwise DYNAMODB_TABLE_PREFIX (default
 * shipshape) gives <prefix>-orders and <prefix>-catalog.
 */
export async function migrateDynamo(
  services: DynamoService[],
  env: NodeJS.ProcessEnv = process.env,
  log: (m: string) => void = () => {},
): Promise<Record<DynamoService, string>> {
  const names = {} as Record<DynamoService, string>;
  const c = loadConfig(Type.Object(dynamodbEnv('unused')), { ...env, DYNAMODB_TABLE: undefined });
  await Promise.all(
    services.map(async (service) => {
      const name =
        services.length === 1 && env.DYNAMODB_TABLE
          ? env.DYNAMODB_TABLE
          : defaultTableName(service, env.DYNAMODB_TABLE_PREFIX || 'shipshape');
      const outcome = await ensureTable(c, name, DYNAMODB_TABLES[service].definition);
      names[service] = name;
      log(`${service}: DynamoDB table ${name} ${outcome === 'created' ? 'created' : 'up to date'}`);
    }),
  );
  return names;
}

/** The DynamoDB side of a local system: where DynamoDB is and each service's table. */
export interface DynamoTarget {
  endpoint?: string | undefined;
  region: string;
  tables: Record<DynamoService, string>;
}

/** The env orders or products needs to use its table in `target`. */
export function dynamoEnv(service: DynamoService, target: DynamoTarget): Record<string, string> {
  return {
    STORE: 'dynamodb',
    DYNAMODB_TABLE: target.tables[service],
    AWS_REGION: target.region,
    ...(target.endpoint ? { DYNAMODB_ENDPOINT: target.endpoint } : {}),
  };
}

/** The sample products (npm run seed) in the catalog table; products that exist are kept. Returns how many were new. */
export async function seedDynamoProducts(target: DynamoTarget): Promise<number> {
  const { DynamoStore } = await import('@shipshape/platform/dynamodb');
  const { DynamoCatalogStore } = await import('../../services/products/src/data/dynamodb/catalog-store.ts');
  const { SEED_PRODUCTS } = await import('./seed.ts');
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
