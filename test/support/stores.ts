// The store the orders and products services use in a test run: PostgreSQL, or DynamoDB when TEST_STORE=dynamodb
// (`npm run test:dynamodb` runs the same suites that way). The suites read stored state through this inspector, so
// the same assertions hold for both stores. Users always live in PostgreSQL.
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ensureTable } from '@shipshape/platform/dynamodb';
import { DYNAMODB_TABLES } from '../../tools/db/dynamodb-tables.ts';
import type { TestDatabase } from './database.ts';
import { startTestDynamo, TEST_REGION, type TestDynamo } from './dynamodb.ts';

export type StoreName = 'postgres' | 'dynamodb';
export const TEST_STORE: StoreName = process.env.TEST_STORE === 'dynamodb' ? 'dynamodb' : 'postgres';

export interface StockRow {
  productId: string;
  initial: number;
  stock: number;
  held: number;
}

export interface StoreUnderTest {
  name: StoreName;
  /** Env for the products and orders services (DATABASE_URL is always given too, for the PostgreSQL store). */
  products: Record<string, string>;
  orders: Record<string, string>;
  stockOf(productId: string): Promise<number>;
  /** Statuses of the reservation rows of an order (PostgreSQL keeps one per line, DynamoDB one per order). */
  reservationStatuses(orderId: string): Promise<string[]>;
  /** Reservations that hold (or held) stock of the product. */
  reservationCount(productId: string): Promise<number>;
  /** Stock held by reserved reservations whose order is not confirmed: what the reconciler must clear. */
  orphanReservations(): Promise<number>;
  /** For every product: initial, current stock and the quantity held by orders that are not cancelled. */
  stockInvariant(initial: Map<string, number>): Promise<StockRow[]>;
  /** How long an Idempotency-Key record is kept, in hours; undefined when there is none. */
  keyKeptHours(key: string): Promise<number | undefined>;
  /** Order lines stored for the product. */
  orderLines(productId: string): Promise<number>;
  /** Takes stock away behind the service's back (a concurrent writer). */
  takeStock(productId: string, quantity: number): Promise<void>;
  /** Marks a committed reservation reserved again (a commit that never reached products). */
  uncommit(orderId: string): Promise<void>;
  close(): Promise<void>;
}

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

function postgresStore(db: TestDatabase): StoreUnderTest {
  return {
    name: 'postgres',
    products: { DATABASE_URL: db.url },
    orders: { DATABASE_URL: db.url },
    stockOf: async (id) =>
      (await db.query('SELECT stock FROM catalog.products WHERE id = $1', [id])).rows[0]?.stock as number,
    reservationStatuses: async (orderId) =>
      (await db.query('SELECT DISTINCT status FROM catalog.reservations WHERE order_id = $1', [orderId])).rows.map(
        (r) => r.status as string,
      ),
    reservationCount: async (productId) =>
      (
        await db.query<{ n: number }>(
          'SELECT count(DISTINCT order_id)::int AS n FROM catalog.reservations WHERE product_id = $1',
          [productId],
        )
      ).rows[0]?.n ?? 0,
    orphanReservations: async () =>
      (
        await db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM catalog.reservations r
            WHERE r.status = 'reserved' AND NOT EXISTS (SELECT 1 FROM orders.orders o WHERE o.id = r.order_id AND o.status = 'confirmed')`,
        )
      ).rows[0]?.n ?? 0,
    stockInvariant: async (initial) => {
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
    },
    keyKeptHours: async (key) => {
      const r = await db.query<{ hours: number }>(
        `SELECT extract(epoch FROM expires_at - created_at) / 3600 AS hours FROM orders.idempotency_keys WHERE key = $1`,
        [key],
      );
      return r.rows[0] ? Number(r.rows[0].hours) : undefined;
    },
    orderLines: async (productId) =>
      (
        await db.query<{ n: number }>('SELECT count(*)::int AS n FROM orders.order_items WHERE product_id = $1', [
          productId,
        ])
      ).rows[0]?.n ?? 0,
    takeStock: async (productId, quantity) => {
      await db.query('UPDATE catalog.products SET stock = stock - $2 WHERE id = $1', [productId, quantity]);
    },
    uncommit: async (orderId) => {
      await db.query(`UPDATE catalog.reservations SET status = 'reserved', committed_at = NULL WHERE order_id = $1`, [
        orderId,
      ]);
    },
    close: async () => {},
  };
}

interface OrderItem {
  pk: string;
  id: string;
  status: string;
  items: { productId: string; quantity: number }[];
}
interface ReservationItem {
  pk: string;
  orderId: string;
  status: string;
  items: { productId: string; quantity: number }[];
}

async function dynamoStore(db: TestDatabase, dynamo: TestDynamo): Promise<StoreUnderTest> {
  const env = await dynamo.tables();
  const client = new DynamoDBClient({
    region: TEST_REGION,
    endpoint: dynamo.endpoint,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const doc = DynamoDBDocumentClient.from(client);
  const catalog = env.products.DYNAMODB_TABLE as string;
  const ordersTable = env.orders.DYNAMODB_TABLE as string;
  const scan = async <T>(table: string, prefix: string): Promise<T[]> => {
    const out: T[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await doc.send(
        new ScanCommand({
          TableName: table,
          FilterExpression: 'begins_with(pk, :p)',
          ExpressionAttributeValues: { ':p': prefix },
          ConsistentRead: true,
          ExclusiveStartKey: start,
        }),
      );
      out.push(...((page.Items ?? []) as T[]));
      start = page.LastEvaluatedKey;
    } while (start);
    return out;
  };
  const reservations = () => scan<ReservationItem>(catalog, 'RESERVATION#');
  const orders = () => scan<OrderItem>(ordersTable, 'ORDER#');
  const product = async (id: string) =>
    (
      await doc.send(
        new GetCommand({ TableName: catalog, Key: { pk: `PRODUCT#${id}`, sk: 'PRODUCT' }, ConsistentRead: true }),
      )
    ).Item as { stock: number } | undefined;
  return {
    name: 'dynamodb',
    products: { DATABASE_URL: db.url, ...env.products },
    orders: { DATABASE_URL: db.url, ...env.orders },
    stockOf: async (id) => (await product(id))?.stock as number,
    reservationStatuses: async (orderId) => {
      const r = (
        await doc.send(
          new GetCommand({
            TableName: catalog,
            Key: { pk: `RESERVATION#${orderId}`, sk: 'RESERVATION' },
            ConsistentRead: true,
          }),
        )
      ).Item as ReservationItem | undefined;
      return r ? [r.status] : [];
    },
    reservationCount: async (productId) =>
      (await reservations()).filter((r) => r.items.some((i) => i.productId === productId)).length,
    orphanReservations: async () => {
      const confirmed = new Set((await orders()).filter((o) => o.status === 'confirmed').map((o) => o.id));
      return (await reservations()).filter((r) => r.status === 'reserved' && !confirmed.has(r.orderId)).length;
    },
    stockInvariant: async (initial) => {
      const live = (await orders()).filter((o) => o.status !== 'cancelled');
      const rows: StockRow[] = [];
      for (const [productId, start] of initial) {
        const held = sum(live.flatMap((o) => o.items.filter((i) => i.productId === productId).map((i) => i.quantity)));
        rows.push({ productId, initial: start, stock: (await product(productId))?.stock as number, held });
      }
      return rows;
    },
    keyKeptHours: async (key) => {
      const item = (
        await doc.send(
          new GetCommand({
            TableName: ordersTable,
            Key: { pk: `IDEMPOTENCY#${key}`, sk: 'IDEMPOTENCY' },
            ConsistentRead: true,
          }),
        )
      ).Item as { createdAt: string; expiresAt: number } | undefined;
      return item ? (item.expiresAt * 1000 - Date.parse(item.createdAt)) / 3_600_000 : undefined;
    },
    orderLines: async (productId) =>
      sum((await orders()).map((o) => o.items.filter((i) => i.productId === productId).length)),
    takeStock: async (productId, quantity) => {
      await doc.send(
        new UpdateCommand({
          TableName: catalog,
          Key: { pk: `PRODUCT#${productId}`, sk: 'PRODUCT' },
          UpdateExpression: 'SET stock = stock - :q',
          ExpressionAttributeValues: { ':q': quantity },
        }),
      );
    },
    uncommit: async (orderId) => {
      const r = (
        await doc.send(
          new GetCommand({
            TableName: catalog,
            Key: { pk: `RESERVATION#${orderId}`, sk: 'RESERVATION' },
            ConsistentRead: true,
          }),
        )
      ).Item as (ReservationItem & { createdAt: string }) | undefined;
      if (!r) return;
      await doc.send(
        new UpdateCommand({
          TableName: catalog,
          Key: { pk: `RESERVATION#${orderId}`, sk: 'RESERVATION' },
          UpdateExpression: 'SET #s = :reserved, gsi1pk = :held, gsi1sk = :at REMOVE committedAt',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: {
            ':reserved': 'reserved',
            ':held': 'HELD',
            ':at': `${new Date(r.createdAt).toISOString()}#${orderId}`,
          },
        }),
      );
    },
    close: async () => {
      doc.destroy();
      client.destroy();
      await dynamo.stop();
    },
  };
}

/** The store of this run, ready for the services: a DynamoDB Local per test file when TEST_STORE=dynamodb. */
export async function storeUnderTest(db: TestDatabase): Promise<StoreUnderTest> {
  if (TEST_STORE === 'postgres') return postgresStore(db);
  const dynamo = await startTestDynamo();
  try {
    return await dynamoStore(db, dynamo);
  } catch (err) {
    await dynamo.stop();
    throw err;
  }
}

/** Drops and recreates a DynamoDB table (a test that needs a failing table). */
export async function recreateTable(endpoint: string, name: string, service: 'orders' | 'products'): Promise<void> {
  const client = new DynamoDBClient({
    region: TEST_REGION,
    endpoint,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  try {
    await client.send(new DeleteTableCommand({ TableName: name }));
  } finally {
    client.destroy();
  }
  await ensureTable(
    { DYNAMODB_ENDPOINT: endpoint, AWS_REGION: TEST_REGION, DYNAMODB_TIMEOUT_MS: 10_000 },
    name,
    DYNAMODB_TABLES[service].definition,
  );
}
