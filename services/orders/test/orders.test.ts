import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import type { TestDatabase } from '../../../test/support/database.ts';
import { startOrders, metricsUrl } from '../../../test/support/apps.ts';
import { ADMIN_SUB, adminCall as call, ordersIdentity } from '../../../test/support/auth.ts';
import { scopedKey } from '../src/domain/idempotency-scope.ts';
import { ORDER_STAGE_METRIC, ORDER_STAGES } from '../src/domain/place-order.ts';
import { metricValue, startFaultProxy, waitFor, type FaultProxy } from '../../../test/support/http.ts';
import { assertStockInvariant, orphanReservations } from '../../../test/support/invariant.ts';
import { TEST_STORE, type StoreUnderTest } from '../../../test/support/stores.ts';
import type { App } from '@shipshape/platform/service';
import { createProduct, createUser, startUpstreams } from './helpers.ts';

let db: TestDatabase;
let store: StoreUnderTest;
const apps: App[] = [];
const proxies: FaultProxy[] = [];
let usersUrl: string;
let productsUrl: string;
let ordersUrl: string;
const initial = new Map<string, number>();

const newUser = () => createUser(usersUrl);
const newProduct = (stock: number, priceCents = 250) =>
  createProduct(productsUrl, initial, { skuPrefix: 'O', stock, priceCents });
/** `null` sends no Idempotency-Key at all. */
const order = (base: string, body: unknown, key: string | null = randomUUID()) =>
  call(`${base}/orders`, { body, headers: key === null ? {} : { 'idempotency-key': key } });
const stockOf = (id: string) => store.stockOf(id);

before(async () => {
  const up = await startUpstreams();
  ({ db, store, usersUrl, productsUrl } = up);
  apps.push(...up.apps);
  const o = await startOrders(
    { ...store.orders, USERS_URL: usersUrl, PRODUCTS_URL: productsUrl },
    { reconciler: false },
  );
  apps.push(o.app);
  ordersUrl = o.url;
});
after(async () => {
  await Promise.all(apps.map((a) => a.close()));
  await Promise.all(proxies.map((p) => p.close()));
  await assertStockInvariant(store, initial);
  await store.close();
  await db.drop();
});

describe('placing orders', () => {
  test('when an order is placed, then prices come from the catalog, stock moves and the order is stored', async () => {
    const user = await newUser();
    const a = await newProduct(10, 300);
    const b = await newProduct(10, 1250);
    const res = await order(ordersUrl, {
      userId: user.id,
      items: [
        { productId: a.id, quantity: 2 },
        { productId: b.id, quantity: 1 },
      ],
    });
    assert.equal(res.status, 201, res.text);
    assert.equal(res.body.status, 'confirmed');
    assert.equal(res.body.totalCents, 2 * 300 + 1250);
    assert.equal(res.body.currency, 'EUR');
    assert.deepEqual(res.body.items, [
      { productId: a.id, quantity: 2, unitPriceCents: 300 },
      { productId: b.id, quantity: 1, unitPriceCents: 1250 },
    ]);
    assert.equal(await stockOf(a.id), 8);
    assert.deepEqual((await call(`${ordersUrl}/orders/${res.body.id}`)).body, res.body);
    const text = await (await fetch(metricsUrl(ordersUrl))).text();
    assert.ok(
      metricValue(text, 'http_client_request_duration_seconds_count', {
        target: 'products',
        operation: 'reserve_stock',
        status_class: '2xx',
      }) >= 1,
    );
    assert.ok(metricValue(text, 'shipshape_orders_created_total') >= 1);
  });

  test('when an order is placed and replayed, then each step it ran is timed once in the stage histogram', async () => {
    const stageCounts = async () => {
      const text = await (await fetch(metricsUrl(ordersUrl))).text();
      return ORDER_STAGES.map((stage) => metricValue(text, `${ORDER_STAGE_METRIC}_count`, { stage }));
    };
    /**
     * How many observations each step (claim, user_check, reserve, record) gained from `placing`. A replay answers
     * once its key is read, while the user check it started meanwhile may still be on its way (it is timed when it
     * ends), so the counts are read again until they reach `expected` or a second has passed.
     */
    const stepsTimedBy = async (placing: () => Promise<number>, expected: number[]) => {
      const before = await stageCounts();
      assert.equal(await placing(), 201);
      const until = Date.now() + 1000;
      for (;;) {
        const gained = (await stageCounts()).map((n, i) => n - (before[i] as number));
        if (gained.every((n, i) => n >= (expected[i] as number)) || Date.now() > until) return gained;
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    const user = await newUser();
    const a = await newProduct(3);
    const key = randomUUID();
    const body = { userId: user.id, items: [{ productId: a.id, quantity: 1 }] };
    const place = async () => (await order(ordersUrl, body, key)).status;
    assert.deepEqual(await stepsTimedBy(place, [1, 1, 1, 1]), [1, 1, 1, 1], 'claim, user_check, reserve, record');
    // A replay only claims the key (and checks the user meanwhile): nothing is reserved or recorded again.
    assert.deepEqual(await stepsTimedBy(place, [1, 1, 0, 0]), [1, 1, 0, 0], 'claim, user_check, reserve, record');
  });

  test('when the client sends prices or bad items, then 400 and nothing is reserved', async () => {
    const user = await newUser();
    const a = await newProduct(5);
    for (const items of [
      [{ productId: a.id, quantity: 1, unitPriceCents: 1 }],
      [],
      [{ productId: a.id, quantity: 0 }],
      [{ productId: a.id, quantity: 101 }],
      Array.from({ length: 21 }, () => ({ productId: randomUUID(), quantity: 1 })),
      [
        { productId: a.id, quantity: 1 },
        { productId: a.id, quantity: 1 },
      ],
    ]) {
      const res = await order(ordersUrl, { userId: user.id, items });
      assert.equal(res.status, 400, JSON.stringify(items).slice(0, 80));
      assert.ok(Array.isArray(res.body.errors) && res.body.errors.length > 0);
    }
    assert.equal(await stockOf(a.id), 5);
  });

  test('when the Idempotency-Key is missing or too long, then 400', async () => {
    const user = await newUser();
    const a = await newProduct(5);
    const body = { userId: user.id, items: [{ productId: a.id, quantity: 1 }] };
    const missing = await order(ordersUrl, body, null);
    assert.equal(missing.status, 400);
    assert.equal(missing.body.errors[0].field, 'headers.idempotency-key');
    assert.equal((await order(ordersUrl, body, 'k'.repeat(256))).status, 400);
    assert.equal((await order(ordersUrl, body, 'k'.repeat(255))).status, 201);
  });

  test('when the same key is replayed, then the first response comes back; another body gets 422', async () => {
    const user = await newUser();
    const a = await newProduct(5);
    const key = randomUUID();
    const body = { userId: user.id, items: [{ productId: a.id, quantity: 2 }] };
    const first = await order(ordersUrl, body, key);
    const again = await order(ordersUrl, body, key);
    assert.equal(first.status, 201);
    assert.equal(again.status, 201);
    assert.equal(again.text, first.text);
    assert.equal(again.headers.get('idempotent-replayed'), 'true');
    assert.equal(first.headers.get('idempotent-replayed'), null);
    assert.equal(await stockOf(a.id), 3);
    const other = await order(ordersUrl, { userId: user.id, items: [{ productId: a.id, quantity: 1 }] }, key);
    assert.equal(other.status, 422);
    assert.ok(((await store.keyKeptHours(scopedKey(ADMIN_SUB, key))) ?? 0) >= 24, 'the key is kept at least 24 h');
  });

  test('when the user or a product is unknown, then 422 names it; insufficient stock gets 409 naming the product', async () => {
    const user = await newUser();
    const a = await newProduct(1);
    const ghostUser = randomUUID();
    const r1 = await order(ordersUrl, { userId: ghostUser, items: [{ productId: a.id, quantity: 1 }] });
    assert.equal(r1.status, 422);
    assert.match(r1.body.detail, new RegExp(ghostUser));
    const ghostProduct = randomUUID();
    const r2 = await order(ordersUrl, { userId: user.id, items: [{ productId: ghostProduct, quantity: 1 }] });
    assert.equal(r2.status, 422);
    assert.equal(r2.body.productId, ghostProduct);
    const key = randomUUID();
    const r3 = await order(ordersUrl, { userId: user.id, items: [{ productId: a.id, quantity: 2 }] }, key);
    assert.equal(r3.status, 409);
    assert.equal(r3.body.productId, a.id);
    const r3again = await order(ordersUrl, { userId: user.id, items: [{ productId: a.id, quantity: 2 }] }, key);
    assert.equal(r3again.status, 409);
    assert.equal(r3again.headers.get('idempotent-replayed'), 'true');
    assert.equal(await stockOf(a.id), 1);
  });

  test('when K concurrent orders compete for stock S < K, then exactly S succeed', async () => {
    const S = 10;
    const K = 30;
    const user = await newUser();
    const a = await newProduct(S);
    const results = await Promise.all(
      Array.from({ length: K }, () => order(ordersUrl, { userId: user.id, items: [{ productId: a.id, quantity: 1 }] })),
    );
    const statuses = results.map((r) => r.status);
    assert.equal(
      statuses.filter((s) => s === 201).length,
      S,
      `${statuses.join(',')} ${results.find((r) => r.status >= 500)?.text ?? ''}`,
    );
    assert.equal(
      statuses.filter((s) => s === 409).length,
      K - S,
      results
        .filter((r) => r.status !== 201 && r.status !== 409)
        .map((r) => r.text)
        .join('\n'),
    );
    assert.equal(await stockOf(a.id), 0);
    assert.equal(await store.orderLines(a.id), S);
  });

  test('when the same key arrives many times at once, then one order is created', async () => {
    const user = await newUser();
    const a = await newProduct(20);
    const key = randomUUID();
    const body = { userId: user.id, items: [{ productId: a.id, quantity: 1 }] };
    const results = await Promise.all(Array.from({ length: 10 }, () => order(ordersUrl, body, key)));
    const statuses = results.map((r) => r.status);
    assert.ok(
      statuses.every((s) => s === 201 || s === 409),
      statuses.join(','),
    );
    assert.ok(statuses.includes(201));
    assert.equal(await stockOf(a.id), 19);
    const created = new Set(results.filter((r) => r.status === 201).map((r) => r.body.id));
    assert.equal(created.size, 1);
  });

  test('when orders are cancelled (twice), then stock returns once; unknown orders get 404', async () => {
    const user = await newUser();
    const a = await newProduct(6);
    const placed = await order(ordersUrl, { userId: user.id, items: [{ productId: a.id, quantity: 4 }] });
    assert.equal(await stockOf(a.id), 2);
    const c1 = await call(`${ordersUrl}/orders/${placed.body.id}/cancel`, { method: 'POST' });
    const c2 = await call(`${ordersUrl}/orders/${placed.body.id}/cancel`, { method: 'POST' });
    assert.deepEqual([c1.status, c1.body.status, c2.status, c2.body.status], [200, 'cancelled', 200, 'cancelled']);
    assert.equal(await stockOf(a.id), 6);
    assert.equal((await call(`${ordersUrl}/orders/${randomUUID()}/cancel`, { method: 'POST' })).status, 404);
  });

  test("when a user's orders are listed by pages, then all of them appear once", async () => {
    const user = await newUser();
    const a = await newProduct(10);
    for (let i = 0; i < 5; i++) await order(ordersUrl, { userId: user.id, items: [{ productId: a.id, quantity: 1 }] });
    const ids: string[] = [];
    let cursor: string | null = null;
    do {
      const res: { status: number; body: { items: { id: string; userId: string }[]; nextCursor: string | null } } =
        await call(`${ordersUrl}/orders?userId=${user.id}&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      assert.equal(res.status, 200);
      assert.ok(res.body.items.every((o) => o.userId === user.id));
      ids.push(...res.body.items.map((o) => o.id));
      cursor = res.body.nextCursor;
    } while (cursor);
    assert.equal(new Set(ids).size, 5);
  });
});

describe('dependencies failing', () => {
  let faulty: string;
  let productsProxy: FaultProxy;
  let usersProxy: FaultProxy;

  before(async () => {
    productsProxy = await startFaultProxy(productsUrl);
    usersProxy = await startFaultProxy(usersUrl);
    proxies.push(productsProxy, usersProxy);
    const o = await startOrders({
      ...store.orders,
      USERS_URL: usersProxy.url,
      PRODUCTS_URL: productsProxy.url,
      UPSTREAM_TIMEOUT_MS: '400',
      // Enough calls that a few slow reconciler passes on a loaded machine do not open it by themselves.
      BREAKER_MIN_THROUGHPUT: '10',
      BREAKER_HALF_OPEN_AFTER_MS: '500',
      RECONCILE_INTERVAL_MS: '200',
      RECONCILE_GRACE_MS: '1500',
    });
    apps.push(o.app);
    faulty = o.url;
  });

  test('when a request with the same key is still in flight, then 409', async () => {
    const user = await newUser();
    const a = await newProduct(5);
    usersProxy.delayMs = 300;
    const key = randomUUID();
    const body = { userId: user.id, items: [{ productId: a.id, quantity: 1 }] };
    const first = order(faulty, body, key);
    await new Promise((r) => setTimeout(r, 80));
    const second = await order(faulty, body, key);
    usersProxy.delayMs = 0;
    assert.equal(second.status, 409);
    const done = await first;
    assert.equal(done.status, 201, done.text);
  });

  test('when products answers 503, then 503 with Retry-After, the key is freed, and a retry succeeds later', async () => {
    const user = await newUser();
    const a = await newProduct(5);
    productsProxy.failWith = 503;
    const key = randomUUID();
    const body = { userId: user.id, items: [{ productId: a.id, quantity: 1 }] };
    const res = await order(faulty, body, key);
    assert.equal(res.status, 503);
    assert.ok(Number(res.headers.get('retry-after')) >= 1);
    productsProxy.failWith = undefined;
    await new Promise((r) => setTimeout(r, 600));
    const retried = await waitFor('order to succeed after recovery', async () => {
      const r = await order(faulty, body, key);
      return r.status === 201 ? r : undefined;
    });
    assert.equal(retried.headers.get('idempotent-replayed'), null);
    assert.equal(await stockOf(a.id), 4);
  });

  test('when a dependency cannot be reached, then the 503 names it and the error code but no internal address', async () => {
    const spare = createServer();
    await new Promise<void>((r) => spare.listen(0, '127.0.0.1', r));
    const port = (spare.address() as { port: number }).port;
    await new Promise((r) => spare.close(r));
    const o = await startOrders(
      { DATABASE_URL: db.url, USERS_URL: `http://127.0.0.1:${port}`, PRODUCTS_URL: productsUrl },
      { reconciler: false },
    );
    apps.push(o.app);
    const res = await order(o.url, { userId: randomUUID(), items: [{ productId: randomUUID(), quantity: 1 }] });
    assert.equal(res.status, 503);
    assert.equal(res.body.dependency, 'users');
    assert.match(res.body.detail, /users service is unreachable \(ECONNREFUSED\)/);
    assert.doesNotMatch(res.text, new RegExp(`127\\.0\\.0\\.1|${port}`));
  });

  test('when products answers 500 to one kind of request, then that request fails alone: no retry, the breaker stays closed', async () => {
    const user = await newUser();
    const good = await newProduct(50);
    const bug = randomUUID();
    let attempts = 0;
    productsProxy.failWhen = (_url, body) => {
      if (!body.includes(bug)) return undefined;
      attempts++;
      return 500;
    };
    try {
      for (let i = 0; i < 10; i++) {
        const res = await order(faulty, { userId: user.id, items: [{ productId: bug, quantity: 1 }] });
        assert.equal(res.status, 500);
        assert.match(res.headers.get('content-type') ?? '', /problem\+json/);
      }
      assert.equal(attempts, 10, 'one reservation attempt per order: a 500 is not retried');
      const text = await (await fetch(metricsUrl(faulty))).text();
      assert.equal(metricValue(text, 'circuit_breaker_state', { target: 'products' }), 0);
      const res = await order(faulty, { userId: user.id, items: [{ productId: good.id, quantity: 1 }] });
      assert.equal(res.status, 201, res.text);
    } finally {
      productsProxy.failWhen = undefined;
    }
  });

  test('when products keeps failing, then the circuit opens and calls fail fast, then it closes again', async () => {
    const user = await newUser();
    const a = await newProduct(5);
    productsProxy.failWith = 502;
    // The breaker opens once failures are the larger share of the calls in its window (earlier tests left successes).
    const state = async () =>
      metricValue(await (await fetch(metricsUrl(faulty))).text(), 'circuit_breaker_state', { target: 'products' });
    await waitFor('circuit to open', async () => {
      await order(faulty, { userId: user.id, items: [{ productId: a.id, quantity: 1 }] });
      return (await state()) === 2;
    });
    const before = productsProxy.requests;
    const t0 = Date.now();
    const res = await order(faulty, { userId: user.id, items: [{ productId: a.id, quantity: 1 }] });
    assert.equal(res.status, 503);
    assert.match(res.body.detail, /circuit open/);
    assert.equal(productsProxy.requests, before, 'an open circuit sends nothing upstream');
    assert.ok(Date.now() - t0 < 400);
    assert.equal(await state(), 2);
    productsProxy.failWith = undefined;
    await waitFor(
      'circuit to close',
      async () => (await order(faulty, { userId: user.id, items: [{ productId: a.id, quantity: 1 }] })).status === 201,
      5000,
      200,
    );
    assert.equal(
      metricValue(await (await fetch(metricsUrl(faulty))).text(), 'circuit_breaker_state', { target: 'products' }),
      0,
    );
  });

  test('when products is slower than the deadline, then 503 fast, and the late reservation is released', async () => {
    const user = await newUser();
    const a = await newProduct(5);
    productsProxy.delayMs = 700;
    const t0 = Date.now();
    const res = await order(faulty, { userId: user.id, items: [{ productId: a.id, quantity: 2 }] });
    const took = Date.now() - t0;
    productsProxy.delayMs = 0;
    assert.equal(res.status, 503);
    assert.ok(took < 1500, `answered in ${took} ms`);
    // The proxy still delivers the reservation after orders gave up on it; it must not stay held.
    await waitFor('late reservation to land', async () => (await store.reservationCount(a.id)) === 1, 5000, 50);
    await waitFor(
      'late reservation to be released',
      async () => (await orphanReservations(store)) === 0 && (await stockOf(a.id)) === 5,
      10_000,
      100,
    );
  });

  // PostgreSQL can refuse order rows alone (a CHECK constraint); DynamoDB has no equivalent that leaves the
  // Idempotency-Key records writable, so this fault runs on PostgreSQL only (the release path is the same domain code).
  test('when recording the order fails after stock was reserved, then the reservation is released', {
    skip: TEST_STORE === 'dynamodb' && 'no way to refuse only order writes in DynamoDB',
  }, async () => {
    const user = await newUser();
    const a = await newProduct(5);
    await db.query('ALTER TABLE orders.orders ADD CONSTRAINT test_refuse_orders CHECK (false) NOT VALID');
    try {
      const res = await order(faulty, { userId: user.id, items: [{ productId: a.id, quantity: 3 }] });
      assert.ok(res.status >= 500);
      assert.match(res.headers.get('content-type') ?? '', /problem\+json/);
    } finally {
      await db.query('ALTER TABLE orders.orders DROP CONSTRAINT test_refuse_orders');
    }
    assert.equal(await stockOf(a.id), 5);
  });

  test('when stock is held for an order that was never recorded, then the reconciler releases it', async () => {
    const a = await newProduct(5);
    const orphan = await call(`${productsUrl}/internal/reservations`, {
      headers: await ordersIdentity('products'),
      body: { orderId: randomUUID(), items: [{ productId: a.id, quantity: 2 }] },
    });
    assert.equal(orphan.status, 201);
    assert.equal(await stockOf(a.id), 3);
    await waitFor('reconciler to release the orphan', async () => (await stockOf(a.id)) === 5, 10_000, 100);
    // Products releases before its answer reaches the reconciler, which counts the release only then.
    await waitFor(
      'the reconciler to count the release',
      async () =>
        metricValue(await (await fetch(metricsUrl(faulty))).text(), 'shipshape_reconciler_released_total') >= 1,
      5_000,
    );
  });
});
