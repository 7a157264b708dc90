// The DynamoDB tables of the services that can use STORE=dynamodb: what `npm run migrate` creates (with
// STORE=dynamodb) and what the Terraform check compares modules/dynamodb with. The suffix is the Terraform table key.
import { Type } from '@sinclair/typebox';
import { loadConfig } from '@shipshape/platform/config';
import { dynamodbEnv, ensureTable, type TableDefinition } from '@shipshape/platform/dynamodb';

// Each service's table is a single-table design (docs/decisions/0003-dynamodb-table-design.md). The definitions live
// here, beside the SQL migrations' runner, because every image that runs `npm run migrate` carries tools/db.

/** The catalog table (products service): products, SKU guards and reservations. */
export const CATALOG_TABLE: TableDefinition = {
  key: { partition: 'pk', sort: 'sk' },
  // gsi1: live products under PRODUCTS and unresolved (reserved) reservations under HELD, by "<createdAt>#<id>".
  indexes: [{ name: 'gsi1', partition: 'gsi1pk', sort: 'gsi1sk' }],
};

/** The orders table (orders service): orders and Idempotency-Key records. */
export const ORDERS_TABLE: TableDefinition = {
  key: { partition: 'pk', sort: 'sk' },
  indexes: [
    // All orders by "<createdAt>#<id>".
    { name: 'gsi1', partition: 'gsi1pk', sort: 'gsi1sk' },
    // One user's orders by "<createdAt>#<id>".
    { name: 'gsi2', partition: 'gsi2pk', sort: 'gsi2sk' },
    // Sparse: orders whose cancel is pending (status cancelling), for the reconciler.
    { name: 'gsi3', partition: 'gsi3pk', sort: 'gsi3sk' },
  ],
  // Idempotency-Key records carry their expiry; DynamoDB deletes them some time after it.
  ttlAttribute: 'expiresAt',
};

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
