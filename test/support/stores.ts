// The store the orders and products services use in a test run: PostgreSQL, or DynamoDB when TEST_STORE=dynamodb
// (`npm run test:dynamodb` runs the same suites that way). The suites read stored state through this inspector, so
// the same assertions hold for both stores. Users always live in PostgreSQL.
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { randomUUID } from 'node:crypto';
import {
  BatchWriteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  ScanCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { ensureTable } from '@shipshape/platform/dynamodb';
import { DYNAMODB_TABLES, type DynamoTarget } from '../../tools/db/dynamodb-tables.ts';
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
  /** The DynamoDB tables, for startStack (undefined on PostgreSQL). */
  dynamodb?: DynamoTarget;
  stockOf(productId: string): Promise<number>;
  /** Statuses of the reservation rows of an order (PostgreSQL keeps one per line, DynamoDB one per order). */
  reservationStatuses(orderId: string): Promise<string[]>;
  /** Quantity of the product held by `reserved` reservations. */
  reservedQuantity(productId: string): Promise<number>;
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
  /**
   * Writes `n` confirmed orders of one unit of the product, an hour old, with committed reservations: the state the
   * order flow leaves behind, in bulk. The caller adds `n` to the product's initial stock.
   */
  seedConfirmedOrders(userId: string, productId: string, n: number): Promise<void>;
  /** Committed reservations holding the product. */
  committedReservations(productId: string): Promise<number>;
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
    reservedQuantity: async (productId) =>
      (
        await db.query<{ n: number }>(
          `SELECT COALESCE(sum(quantity), 0)::int AS n FROM catalog.reservations WHERE product_id = $1 AND status = 'reserved'`,
          [productId],
        )
      ).rows[0]?.n ?? 0,
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
    seedConfirmedOrders: async (userId, productId, n) => {
      await db.query(
        `WITH o AS (
           INSERT INTO orders.orders (id, user_id, status, total_cents, currency, created_at)
           SELECT gen_random_uuid(), $1, 'confirmed', 100, 'EUR', now() - interval '1 hour' + g * interval '1 ms'
             FROM generate_series(1, $3::int) g
           RETURNING id, created_at),
         i AS (INSERT INTO orders.order_items (order_id, position, product_id, quantity, unit_price_cents)
               SELECT id, 0, $2, 1, 100 FROM o)
         INSERT INTO catalog.reservations (order_id, product_id, quantity, unit_price_cents, currency, status, created_at,
                                           committed_at)
         SELECT id, $2, 1, 100, 'EUR', 'committed', created_at, created_at FROM o`,
        [userId, productId, n],
      );
    },
    committedReservations: async (productId) =>
      (
        await db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM catalog.reservations WHERE product_id = $1 AND status = 'committed'`,
          [productId],
        )
      ).rows[0]?.n ?? 0,
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
    dynamodb: {
      endpoint: dynamo.endpoint,
      region: TEST_REGION,
      tables: { orders: ordersTable, products: catalog },
    },
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
    reservedQuantity: async (productId) =>
      sum(
        (await reservations())
          .filter((r) => r.status === 'reserved')
          .flatMap((r) => r.items.filter((i) => i.productId === productId).map((i) => i.quantity)),
      ),
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
    seedConfirmedOrders: async (userId, productId, n) => {
      const start = Date.now() - 3_600_000;
      const puts = (table: string, items: Record<string, unknown>[]) =>
        doc.send(new BatchWriteCommand({ RequestItems: { [table]: items.map((Item) => ({ PutRequest: { Item } })) } }));
      const batches: (() => Promise<unknown>)[] = [];
      for (let i = 0; i < n; i += 25) {
        const chunk = Array.from({ length: Math.min(25, n - i) }, (_, j) => {
          const id = randomUUID();
          const createdAt = new Date(start + i + j).toISOString();
          return { id, createdAt, at: `${createdAt}#${id}` };
        });
        batches.push(() =>
          puts(
            ordersTable,
            chunk.map((o) => ({
              pk: `ORDER#${o.id}`,
              sk: 'ORDER',
              id: o.id,
              userId,
              status: 'confirmed',
              items: [{ productId, quantity: 1, unitPriceCents: 100 }],
              totalCents: 100,
              currency: 'EUR',
              createdAt: o.createdAt,
              gsi1pk: 'ORDERS',
              gsi1sk: o.at,
              gsi2pk: `USER#${userId}`,
              gsi2sk: o.at,
            })),
          ),
        );
        batches.push(() =>
          puts(
            catalog,
            chunk.map((o) => ({
              pk: `RESERVATION#${o.id}`,
              sk: 'RESERVATION',
              orderId: o.id,
              status: 'committed',
              items: [{ productId, quantity: 1, unitPriceCents: 100, currency: 'EUR' }],
              createdAt: o.createdAt,
              committedAt: o.createdAt,
            })),
          ),
        );
      }
      // A few writers at a time; DynamoDB Local shares the machine.
      const queue = [...batches];
      await Promise.all(
        Array.from({ length: 4 }, async () => {
          for (let next = queue.shift(); next; next = queue.shift()) await next();
        }),
      );
    },
    committedReservations: async (productId) =>
      (await reservations()).filter((r) => r.status === 'committed' && r.items.some((i) => i.productId === productId))
        .length,
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
