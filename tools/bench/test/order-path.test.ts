import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import pg from 'pg';
import { PG_ADMIN_URL } from '../../../test/support/env.ts';
import { undoAll } from '../leftovers.ts';
import { PRODUCTS, startOrderPath } from '../order-path.ts';

const databases = async (): Promise<string[]> => {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL });
  await client.connect();
  try {
    const { rows } = await client.query<{ datname: string }>(
      "SELECT datname FROM pg_database WHERE datname LIKE 'shipshape_orderpath_%'",
    );
    return rows.map((r) => r.datname);
  } finally {
    await client.end();
  }
};
const alive = (pid: number | undefined) => {
  try {
    process.kill(pid ?? 0, 0);
    return true;
  } catch {
    return false;
  }
};

describe('the bare order path', () => {
  test('when an order is placed through it, then every hop runs and the order, its key and its stock are in its database', async () => {
    const before = await databases();
    const path = await startOrderPath(PG_ADMIN_URL);
    const scratch = (await databases()).filter((d) => !before.includes(d));
    assert.equal(scratch.length, 1, 'one scratch database of its own');
    const place = (key: string, quantity = 2) =>
      fetch(path.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': key },
        body: JSON.stringify({ userId: randomUUID(), productId: path.productId, quantity }),
      });
    try {
      assert.equal(new URL(path.url).pathname, '/orders');
      const key = `test-${randomUUID()}`;
      const placed = await place(key);
      assert.equal(placed.status, 201);
      const order = (await placed.json()) as { key: string; product_id: number; quantity: number };
      assert.deepEqual([order.key, order.product_id, order.quantity], [key, path.productId, 2]);
      // The key is claimed in its database: the same key again is refused before any stock is taken.
      assert.equal((await place(key)).status, 409);
      // Stock is taken in its database: more than there is is refused by products' hop, and no order is recorded.
      assert.equal((await place(`test-${randomUUID()}`, 2_000_000_000_000)).status, 409);
      const url = new URL(PG_ADMIN_URL);
      url.pathname = `/${scratch[0]}`;
      const client = new pg.Client({ connectionString: url.href });
      await client.connect();
      try {
        const stock = await client.query<{ id: number; stock: string }>(
          'SELECT id, stock FROM order_path_stock ORDER BY id',
        );
        assert.equal(stock.rows.length, PRODUCTS);
        assert.equal(Number(stock.rows[0]?.stock), 1_000_000_000_000 - 2);
        const orders = await client.query('SELECT 1 FROM order_path_orders');
        assert.equal(orders.rowCount, 1);
        // Only the stock of the product ordered moved.
        assert.equal(Number(stock.rows[1]?.stock), 1_000_000_000_000);
      } finally {
        await client.end();
      }
      for (const pid of Object.values(path.pids)) assert.ok(alive(pid), 'each hop in a process of its own');
      assert.equal(new Set(Object.values(path.pids)).size, 4);
    } finally {
      await path.stop();
    }
    assert.deepEqual(await databases(), before, 'its database is dropped when it stops');
    for (const pid of Object.values(path.pids)) assert.ok(!alive(pid), 'its processes are stopped');
  });

  test('when a run ends early, then what an early end undoes stops its hops and drops its database', async () => {
    const before = await databases();
    const path = await startOrderPath(PG_ADMIN_URL);
    assert.equal((await databases()).length, before.length + 1);
    // What the benchmark runs on a signal or a closed output (main.ts), without the ordinary stop.
    await undoAll();
    assert.deepEqual(await databases(), before);
    for (const pid of Object.values(path.pids)) assert.ok(!alive(pid), 'its processes are stopped');
  });

  test('when its database server cannot be reached, then it fails to start, having started no hop', async () => {
    await assert.rejects(startOrderPath('postgres://postgres@127.0.0.1:1/postgres'));
  });
});
