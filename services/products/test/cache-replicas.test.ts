// Two products replicas on one database and one Redis, as in a cluster: each keeps hot entries in memory in front of
// Redis (libs/platform/src/near-cache.ts), and a write through either one is what the other serves next.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { createTestDatabase, type TestDatabase } from '../../../test/support/database.ts';
import { adminToken, startProducts, uniqueNamespace } from '../../../test/support/apps.ts';
import { ordersIdentity } from '../../../test/support/auth.ts';
import { call } from '../../../test/support/http.ts';
import { REDIS_URL } from '../../../test/support/env.ts';
import { startRedisRelay, type Relay } from '../../../test/support/redis-relay.ts';
import type { App } from '@shipshape/platform/service';

let db: TestDatabase;
let relay: Relay;
let a: { app: App; url: string };
let b: { app: App; url: string };
let admin: Record<string, string>;
let fromOrders: Record<string, string>;

/** Resolves once the replica says its cache runs with the local layer (Redis confirmed it tracks the keys). */
async function localLayerOn(url: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    last = (await call(`${url}/ready`)).text;
    if (last.includes('redis + local')) return;
    await sleep(50);
  }
  assert.fail(`the local cache layer did not come on: ${last}`);
}

const read = async (replica: { url: string }, id: string) => {
  const res = await call(`${replica.url}/products/${id}`);
  assert.equal(res.status, 200, res.text);
  return res.body as { stock: number; priceCents: number };
};

/** A write on one replica shows on the other as soon as Redis's invalidation message arrives: poll briefly. */
async function eventually(check: () => Promise<boolean>, what: string, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`${what} within ${timeoutMs} ms`);
    await sleep(10);
  }
}

before(async () => {
  admin = { authorization: `Bearer ${await adminToken()}` };
  fromOrders = await ordersIdentity('products');
  db = await createTestDatabase();
  relay = await startRedisRelay();
  const namespace = uniqueNamespace();
  // A reaches Redis through the relay, so the test can count its commands and cut it off; B talks to Redis directly.
  a = await startProducts({ DATABASE_URL: db.url, REDIS_URL: relay.url, CACHE_NAMESPACE: namespace });
  b = await startProducts({ DATABASE_URL: db.url, REDIS_URL, CACHE_NAMESPACE: namespace });
  await localLayerOn(a.url);
  await localLayerOn(b.url);
});
after(async () => {
  await a?.app.close();
  await b?.app.close();
  await relay?.close();
  await db?.drop();
});

const createProduct = async () => {
  const res = await call(`${b.url}/products`, {
    headers: admin,
    body: { sku: `SKU-${randomUUID().slice(0, 8)}`, name: 'Lamp', priceCents: 2500, currency: 'EUR', stock: 10 },
  });
  assert.equal(res.status, 201, res.text);
  return (res.body as { id: string }).id;
};

describe('an in-process layer in front of Redis, kept current by Redis', () => {
  test('when one product is read 50 more times on a replica, then Redis is not asked again and every answer is a hit', async () => {
    const id = await createProduct();
    // The first read fills Redis; Redis then reports that write to every replica, this one included, so the second
    // read takes the entry from Redis into memory.
    const first = await call(`${a.url}/products/${id}`);
    assert.equal(first.headers.get('x-cache'), 'miss');
    await sleep(50);
    await call(`${a.url}/products/${id}`);
    const before = relay.sent('get');
    for (let i = 0; i < 50; i++) {
      const res = await call(`${a.url}/products/${id}`);
      assert.equal(res.headers.get('x-cache'), 'hit');
      assert.deepEqual(res.body, first.body);
    }
    assert.equal(relay.sent('get') - before, 0, 'the 50 reads never reached Redis');
  });

  test('when a product is changed through the other replica, then this one serves the change', async () => {
    const id = await createProduct();
    assert.equal((await read(a, id)).priceCents, 2500);
    assert.equal((await read(a, id)).priceCents, 2500);
    const patched = await call(`${b.url}/products/${id}`, {
      method: 'PATCH',
      headers: admin,
      body: { priceCents: 1999 },
    });
    assert.equal(patched.status, 200, patched.text);
    // The writer itself never serves its old entry.
    assert.equal((await read(b, id)).priceCents, 1999);
    await eventually(async () => (await read(a, id)).priceCents === 1999, 'the other replica serves the new price');
  });

  test('when stock is reserved through the other replica, then this one serves the new stock', async () => {
    const id = await createProduct();
    assert.equal((await read(a, id)).stock, 10);
    const reserved = await call(`${b.url}/internal/reservations`, {
      headers: fromOrders,
      body: { orderId: randomUUID(), items: [{ productId: id, quantity: 3 }] },
    });
    assert.equal(reserved.status, 201, reserved.text);
    await eventually(async () => (await read(a, id)).stock === 7, 'the other replica serves stock 7');
  });

  test('when the list changes through the other replica, then this one serves the new first page', async () => {
    const page = async () => (await call(`${a.url}/products?limit=100`)).body as { items: { id: string }[] };
    const before = (await page()).items.length;
    await page();
    const id = await createProduct();
    await eventually(async () => (await page()).items.some((p) => p.id === id), 'the new product is listed');
    assert.equal((await page()).items.length, before + 1);
  });

  test('when the replica loses Redis while the other writes, then it serves the database meanwhile and the new value after', async () => {
    const id = await createProduct();
    assert.equal((await read(a, id)).stock, 10);
    await relay.cut();
    try {
      const patched = await call(`${b.url}/products/${id}`, { method: 'PATCH', headers: admin, body: { stock: 4 } });
      assert.equal(patched.status, 200, patched.text);
      // No invalidation can reach A now: it must not answer from memory.
      assert.equal((await read(a, id)).stock, 4);
    } finally {
      await relay.restore();
    }
    await localLayerOn(a.url);
    assert.equal((await read(a, id)).stock, 4);
    const patched = await call(`${b.url}/products/${id}`, { method: 'PATCH', headers: admin, body: { stock: 5 } });
    assert.equal(patched.status, 200, patched.text);
    await eventually(
      async () => (await read(a, id)).stock === 5,
      'after the reconnect, writes reach the replica again',
    );
  });
});
