// The bare order path: the hops of an order (client → proxy → orders → users and PostgreSQL → products → PostgreSQL →
// orders → PostgreSQL → answer), each a bare Fastify in its own process as the services run in theirs, with none of
// the platform's duties and no grouping. Its tables live in a scratch database of their own next to the services'.
// What it reaches on this machine is the floor under the order goals: the rate and the latency of that topology.
import { randomBytes } from 'node:crypto';
import { databaseUrlFor, withClient } from './database.ts';
import { undoOnEarlyEnd } from './leftovers.ts';
import { startYardstick, type Yardstick } from './yardsticks.ts';

export interface OrderPath {
  /** POST here with `{ userId, productId, quantity }` and an Idempotency-Key. */
  url: string;
  productId: number;
  /** The process of each hop, for the CPU each uses per order. */
  pids: Record<'proxy' | 'orders' | 'users' | 'products', number | undefined>;
  stop(): Promise<void>;
}

/** Products in stock: an order may take from one (a hot row, as the order goals' scenarios) or spread over all. */
export const PRODUCTS = 50;

const TABLES = [
  'CREATE TABLE order_path_keys (key text PRIMARY KEY, created_at timestamptz NOT NULL DEFAULT now())',
  'CREATE TABLE order_path_stock (id integer PRIMARY KEY, stock bigint NOT NULL)',
  `CREATE TABLE order_path_orders (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), key text NOT NULL, user_id uuid NOT NULL,
     product_id integer NOT NULL, quantity integer NOT NULL, created_at timestamptz NOT NULL DEFAULT now())`,
  `INSERT INTO order_path_stock (id, stock) SELECT id, 1000000000000 FROM generate_series(1, ${PRODUCTS}) AS id`,
];

/** Makes the scratch database next to `databaseUrl` and starts the four hops; `stop` undoes both. */
export async function startOrderPath(databaseUrl: string): Promise<OrderPath> {
  const database = `shipshape_orderpath_${randomBytes(4).toString('hex')}`;
  const started: Yardstick[] = [];
  const stop = async () => {
    await Promise.all(started.map((y) => y.stop()));
    await withClient(databaseUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`)).catch(() => {});
  };
  const forget = undoOnEarlyEnd(stop);
  try {
    await withClient(databaseUrl, (c) => c.query(`CREATE DATABASE ${database}`));
    const scratch = databaseUrlFor(databaseUrl, database);
    await withClient(scratch, async (c) => {
      for (const statement of TABLES) await c.query(statement);
    });
    const start = async (...args: string[]) => {
      const y = await startYardstick(...args);
      started.push(y);
      return y;
    };
    const [users, products] = await Promise.all([start('hello'), start('order-stock', scratch)]);
    const orders = await start('order-place', scratch, users.url, products.url);
    const proxy = await start('proxy', orders.url);
    return {
      url: `${proxy.url}/orders`,
      productId: 1,
      pids: { proxy: proxy.pid, orders: orders.pid, users: users.pid, products: products.pid },
      stop: async () => {
        forget();
        await stop();
      },
    };
  } catch (err) {
    forget();
    await stop();
    throw err;
  }
}
