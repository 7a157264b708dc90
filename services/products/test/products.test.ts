import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '../../../test/support/database.ts';
import { adminToken, startProducts, uniqueNamespace, userToken, metricsUrl } from '../../../test/support/apps.ts';
import { ordersIdentity } from '../../../test/support/auth.ts';
import { SERVICE_TOKEN_HEADER, ServiceTokenSigner, generateServiceKey } from '@shipshape/platform/auth';
import { call, metricValue } from '../../../test/support/http.ts';
import { REDIS_URL } from '../../../test/support/env.ts';
import { storeUnderTest, TEST_STORE, type StoreUnderTest } from '../../../test/support/stores.ts';
import type { App } from '@shipshape/platform/service';
import { Redis } from 'ioredis';

let db: TestDatabase;
let store: StoreUnderTest;
let app: App;
let base: string;
const namespace = uniqueNamespace();
let adminHeader: string;
const admin = () => ({ authorization: adminHeader });
let fromOrders: Record<string, string>;
/** A call to the reservation API as the orders service makes it. */
const internal = (path: string, init: Parameters<typeof call>[1] = {}) =>
  call(base + path, { ...init, headers: { ...fromOrders, ...init.headers } });
const newProduct = (over: Record<string, unknown> = {}) => ({
  sku: `SKU-${randomUUID().slice(0, 8)}`,
  name: 'Widget',
  priceCents: 1500,
  currency: 'EUR',
  stock: 10,
  ...over,
});
const create = async (over: Record<string, unknown> = {}) => {
  const res = await call(`${base}/products`, { body: newProduct(over), headers: admin() });
  assert.equal(res.status, 201, res.text);
  return res.body;
};

before(async () => {
  adminHeader = `Bearer ${await adminToken()}`;
  fromOrders = await ordersIdentity('products');
  db = await createTestDatabase();
  store = await storeUnderTest(db);
  ({ app, url: base } = await startProducts({ ...store.products, REDIS_URL, CACHE_NAMESPACE: namespace }));
});
after(async () => {
  await app.close();
  await store.close();
  await db.drop();
});

describe('catalog writes need an admin token', () => {
  test('when no token is sent, then 401 with WWW-Authenticate', async () => {
    for (const [method, path] of [
      ['POST', '/products'],
      ['PATCH', `/products/${randomUUID()}`],
      ['DELETE', `/products/${randomUUID()}`],
    ] as const) {
      const res = await call(base + path, { method, body: method === 'DELETE' ? undefined : {} });
      assert.equal(res.status, 401, `${method} ${path}`);
      assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer/);
      assert.match(res.headers.get('content-type') ?? '', /problem\+json/);
    }
  });

  test('when the token has another role, a bad signature, or is expired, then 403 / 401', async () => {
    assert.equal(
      (
        await call(`${base}/products`, {
          body: newProduct(),
          headers: { authorization: `Bearer ${await userToken(randomUUID(), { roles: ['customer'] })}` },
        })
      ).status,
      403,
    );
    const forged = (await adminToken()).replace(/\.[^.]+$/, '.c2lnbmF0dXJl');
    assert.equal(
      (await call(`${base}/products`, { body: newProduct(), headers: { authorization: `Bearer ${forged}` } })).status,
      401,
    );
    const expired = await adminToken({ iat: Math.floor(Date.now() / 1000) - 3600, ttlSeconds: 600 });
    assert.equal(
      (await call(`${base}/products`, { body: newProduct(), headers: { authorization: `Bearer ${expired}` } })).status,
      401,
    );
    assert.equal(
      (await call(`${base}/products`, { body: newProduct(), headers: { authorization: 'Basic abc' } })).status,
      401,
    );
  });

  test('when an admin creates, patches stock and deletes, then reads follow', async () => {
    const p = await create();
    assert.equal(p.priceCents, 1500);
    assert.equal((await call(`${base}/products/${p.id}`)).headers.get('x-cache'), 'miss');
    assert.equal((await call(`${base}/products/${p.id}`)).headers.get('x-cache'), 'hit');
    const patched = await call(`${base}/products/${p.id}`, {
      method: 'PATCH',
      body: { stock: 3, priceCents: 999 },
      headers: admin(),
    });
    assert.equal(patched.status, 200);
    const read = await call(`${base}/products/${p.id}`);
    assert.equal(read.body.stock, 3);
    assert.equal(read.body.priceCents, 999);
    assert.equal(
      (await call(`${base}/products/${p.id}`, { method: 'PATCH', body: { stock: -1 }, headers: admin() })).status,
      400,
    );
    assert.equal((await call(`${base}/products`, { body: newProduct({ sku: p.sku }), headers: admin() })).status, 409);
    assert.equal((await call(`${base}/products/${p.id}`, { method: 'DELETE', headers: admin() })).status, 204);
    assert.equal((await call(`${base}/products/${p.id}`)).status, 404);
  });
});

describe('what a client can make the cache store', () => {
  test('when 300 made-up cursors are read, then the cache holds no more entries than before; first pages are cached', async () => {
    await create();
    const redis = new Redis(REDIS_URL);
    try {
      const keys = async () => (await redis.keys(`${namespace}:*`)).length;
      const first = await call(`${base}/products?limit=2`);
      const again = await call(`${base}/products?limit=2`);
      assert.deepEqual([first.headers.get('x-cache'), again.headers.get('x-cache')], ['miss', 'hit']);
      const before = await keys();
      for (let i = 0; i < 300; i++) {
        const cursor = Buffer.from(
          `2024-01-01T00:00:${String(i % 60).padStart(2, '0')}.${String(i).padStart(3, '0')}Z|${randomUUID()}`,
        ).toString('base64url');
        const res = await call(`${base}/products?limit=2&cursor=${cursor}`);
        assert.equal(res.status, 200, res.text);
        assert.equal(res.headers.get('x-cache'), 'bypass');
      }
      assert.equal(await keys(), before);
    } finally {
      redis.disconnect();
    }
  });
});

describe('the reservation API trusts only the orders service', () => {
  test('when a stranger on the products port reserves or releases, then 401/403 and stock is untouched', async () => {
    const p = await create({ stock: 3 });
    const orderId = randomUUID();
    const body = { orderId, items: [{ productId: p.id, quantity: 3 }] };
    const stranger = generateServiceKey();
    const attempts: [string, Record<string, string>, number][] = [
      ['nothing', {}, 401],
      ['an admin user token', admin(), 401],
      ['garbage', { [SERVICE_TOKEN_HEADER]: 'not.a.token' }, 401],
      [
        'a token signed by an untrusted key claiming to be orders',
        { [SERVICE_TOKEN_HEADER]: await new ServiceTokenSigner('orders', stranger.privateKey).tokenFor('products') },
        401,
      ],
      ["orders' token addressed to users", await ordersIdentity('users'), 401],
    ];
    for (const [what, headers, status] of attempts) {
      const reserve = await call(`${base}/internal/reservations`, { body, headers });
      assert.equal(reserve.status, status, `reserve with ${what}: ${reserve.text}`);
      assert.match(reserve.headers.get('content-type') ?? '', /problem\+json/);
      const list = await call(`${base}/internal/reservations`, { headers });
      assert.equal(list.status, status, `list with ${what}`);
    }
    assert.equal(await store.stockOf(p.id), 3);
    // orders itself reserves; a stranger then cannot release what orders holds.
    assert.equal((await internal('/internal/reservations', { body })).status, 201);
    for (const [what, headers, status] of attempts) {
      const release = await call(`${base}/internal/reservations/${orderId}/release`, { method: 'POST', headers });
      assert.equal(release.status, status, `release with ${what}`);
    }
    assert.equal(await store.stockOf(p.id), 0);
  });
});

describe('stock reservations', () => {
  test('when K concurrent reservations compete for stock S < K, then exactly S succeed and stock ends at 0', async () => {
    const S = 7;
    const K = 40;
    const p = await create({ stock: S });
    const results = await Promise.all(
      Array.from({ length: K }, () =>
        internal(`/internal/reservations`, {
          body: { orderId: randomUUID(), items: [{ productId: p.id, quantity: 1 }] },
        }),
      ),
    );
    const statuses = results.map((r) => r.status);
    assert.equal(statuses.filter((s) => s === 201).length, S);
    assert.equal(statuses.filter((s) => s === 409).length, K - S);
    assert.equal(await store.stockOf(p.id), 0);
    assert.equal(await store.reservedQuantity(p.id), S);
  });

  test('when concurrent reservations name the same two products in opposite orders, then all are held, none deadlocks', async () => {
    const a = await create({ stock: 100 });
    const b = await create({ stock: 100 });
    const K = 30;
    const results = await Promise.all(
      Array.from({ length: K }, (_, i) =>
        internal(`/internal/reservations`, {
          body: {
            orderId: randomUUID(),
            items:
              i % 2 === 0
                ? [
                    { productId: a.id, quantity: 1 },
                    { productId: b.id, quantity: 2 },
                  ]
                : [
                    { productId: b.id, quantity: 2 },
                    { productId: a.id, quantity: 1 },
                  ],
          },
        }),
      ),
    );
    assert.deepEqual(
      results.map((r) => r.status),
      Array(K).fill(201),
    );
    assert.deepEqual([await store.stockOf(a.id), await store.stockOf(b.id)], [100 - K, 100 - 2 * K]);
  });

  test('when a reservation is retried with the same order id, then stock is held once', async () => {
    const p = await create({ stock: 5 });
    const body = { orderId: randomUUID(), items: [{ productId: p.id, quantity: 2 }] };
    const all = await Promise.all([1, 2, 3, 4].map(() => internal(`/internal/reservations`, { body })));
    assert.equal(all.filter((r) => r.status === 201).length, 1);
    assert.ok(all.every((r) => r.status === 201 || r.status === 200));
    assert.ok(all.every((r) => r.body.items[0].unitPriceCents === 1500));
    assert.equal(await store.stockOf(p.id), 3);
  });

  test('when a reservation is retried after its product sold out or was deleted, then the first answer comes back', async () => {
    const p = await create({ stock: 2 });
    const body = { orderId: randomUUID(), items: [{ productId: p.id, quantity: 2 }] };
    const first = await internal(`/internal/reservations`, { body });
    assert.equal(first.status, 201);
    const soldOut = await internal(`/internal/reservations`, { body });
    assert.deepEqual([soldOut.status, soldOut.body.status], [200, 'reserved']);
    const removed = await call(`${base}/products/${p.id}`, { method: 'DELETE', headers: admin() });
    assert.equal(removed.status, 204);
    const deleted = await internal(`/internal/reservations`, { body });
    assert.deepEqual([deleted.status, deleted.body.items], [200, first.body.items]);
    assert.equal(await store.reservedQuantity(p.id), 2);
  });

  test('when one item lacks stock, then nothing is reserved and 409 names the product', async () => {
    const a = await create({ stock: 5 });
    const b = await create({ stock: 1 });
    const res = await internal(`/internal/reservations`, {
      body: {
        orderId: randomUUID(),
        items: [
          { productId: a.id, quantity: 2 },
          { productId: b.id, quantity: 2 },
        ],
      },
    });
    assert.equal(res.status, 409);
    assert.equal(res.body.productId, b.id);
    assert.equal(await store.stockOf(a.id), 5);
  });

  test('when a product is unknown or currencies are mixed, then 422', async () => {
    const a = await create({ currency: 'EUR' });
    const b = await create({ currency: 'USD' });
    const unknown = randomUUID();
    const r1 = await internal(`/internal/reservations`, {
      body: { orderId: randomUUID(), items: [{ productId: unknown, quantity: 1 }] },
    });
    assert.equal(r1.status, 422);
    assert.equal(r1.body.productId, unknown);
    const r2 = await internal(`/internal/reservations`, {
      body: {
        orderId: randomUUID(),
        items: [
          { productId: a.id, quantity: 1 },
          { productId: b.id, quantity: 1 },
        ],
      },
    });
    assert.equal(r2.status, 422);
    assert.equal(await store.stockOf(a.id), 10);
  });

  test('when a reservation is released twice, then stock comes back once', async () => {
    const p = await create({ stock: 4 });
    const orderId = randomUUID();
    await internal(`/internal/reservations`, { body: { orderId, items: [{ productId: p.id, quantity: 3 }] } });
    const r1 = await internal(`/internal/reservations/${orderId}/release`, { method: 'POST' });
    const r2 = await internal(`/internal/reservations/${orderId}/release`, { method: 'POST' });
    assert.deepEqual([r1.status, r1.body.released, r2.status, r2.body.released], [200, 1, 200, 0]);
    assert.equal(await store.stockOf(p.id), 4);
    assert.equal((await internal(`/internal/reservations/${randomUUID()}/release`, { method: 'POST' })).status, 404);
  });

  test('when a reservation is committed, then it stays held, is no longer unresolved, and cannot be re-reserved after release', async () => {
    const p = await create({ stock: 6 });
    const orderId = randomUUID();
    const held = await internal(`/internal/reservations`, {
      body: { orderId, items: [{ productId: p.id, quantity: 2 }] },
    });
    assert.equal(held.body.status, 'reserved');
    const unresolved = async () =>
      ((await internal(`/internal/reservations?olderThanMs=0&limit=1000`)).body.items as { orderId: string }[]).map(
        (r) => r.orderId,
      );
    assert.ok((await unresolved()).includes(orderId));
    const commits = async () =>
      metricValue(await (await fetch(metricsUrl(base))).text(), 'shipshape_stock_commits_total');
    const commitsBefore = await commits();
    const c1 = await internal(`/internal/reservations/${orderId}/commit`, { method: 'POST' });
    const c2 = await internal(`/internal/reservations/${orderId}/commit`, { method: 'POST' });
    assert.deepEqual([c1.status, c1.body.status, c2.status, c2.body.status], [200, 'committed', 200, 'committed']);
    assert.deepEqual(c2.body.items, c1.body.items);
    // Only the call that ended the reservation counts.
    assert.equal((await commits()) - commitsBefore, 1);
    assert.ok(!(await unresolved()).includes(orderId));
    const replay = await internal(`/internal/reservations`, {
      body: { orderId, items: [{ productId: p.id, quantity: 2 }] },
    });
    assert.deepEqual([replay.status, replay.body.status], [200, 'committed']);
    assert.equal(await store.stockOf(p.id), 4);
    // A cancelled order returns committed stock too; afterwards it can neither be committed nor re-reserved.
    const released = await internal(`/internal/reservations/${orderId}/release`, { method: 'POST' });
    assert.deepEqual([released.status, released.body.released], [200, 1]);
    assert.equal(await store.stockOf(p.id), 6);
    const late = await internal(`/internal/reservations/${orderId}/commit`, { method: 'POST' });
    assert.deepEqual([late.status, late.body.type], [409, 'https://shipshape.dev/problems/reservation-released']);
    const again = await internal(`/internal/reservations`, {
      body: { orderId, items: [{ productId: p.id, quantity: 2 }] },
    });
    assert.equal(again.status, 409);
    assert.equal(await store.stockOf(p.id), 6);
    assert.equal((await internal(`/internal/reservations/${randomUUID()}/commit`, { method: 'POST' })).status, 404);
  });

  test('when many reservations are committed in one call, then each ends as a single commit would end it', async () => {
    const p = await create({ stock: 10 });
    const hold = async () => {
      const orderId = randomUUID();
      const res = await internal(`/internal/reservations`, {
        body: { orderId, items: [{ productId: p.id, quantity: 1 }] },
      });
      assert.equal(res.status, 201);
      return orderId;
    };
    const [fresh1, fresh2, done, gone] = [await hold(), await hold(), await hold(), await hold()];
    const never = randomUUID();
    await internal(`/internal/reservations/${done}/commit`, { method: 'POST' });
    await internal(`/internal/reservations/${gone}/release`, { method: 'POST' });
    const commits = async () =>
      metricValue(await (await fetch(metricsUrl(base))).text(), 'shipshape_stock_commits_total');
    const before = await commits();
    const res = await internal(`/internal/reservations/commits`, {
      body: { orderIds: [fresh1, done, gone, never, fresh2] },
    });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(
      res.body.items,
      [
        [fresh1, 'committed'],
        [done, 'committed'],
        [gone, 'released'],
        [never, 'missing'],
        [fresh2, 'committed'],
      ].map(([orderId, status]) => ({ orderId, status })),
    );
    assert.equal((await commits()) - before, 2);
    // Committed, not released: the stock stays held, and the released one's came back.
    assert.equal(await store.stockOf(p.id), 7);
    for (const body of [
      { orderIds: [] },
      { orderIds: [fresh1, fresh1] },
      { orderIds: ['not-a-uuid'] },
      { orderIds: Array.from({ length: 201 }, () => randomUUID()) },
      {},
    ]) {
      const bad = await internal(`/internal/reservations/commits`, { body });
      assert.equal(bad.status, 400, JSON.stringify(body));
    }
  });

  test('when many orders reserve in one call, then each is answered as its own reservation would be, in order', async () => {
    const a = await create({ stock: 3 });
    const b = await create({ stock: 10, priceCents: 700 });
    const usd = await create({ stock: 10, currency: 'USD' });
    const replayed = randomUUID();
    const first = await internal(`/internal/reservations`, {
      body: { orderId: replayed, items: [{ productId: b.id, quantity: 1 }] },
    });
    assert.equal(first.status, 201);
    const [fits, takesLast, short, unknown, mixed, twoLines, repeats] = Array.from({ length: 7 }, () => randomUUID());
    const missing = randomUUID();
    const reservations = [
      { orderId: fits, items: [{ productId: a.id, quantity: 2 }] },
      { orderId: replayed, items: [{ productId: b.id, quantity: 1 }] },
      // Only 1 of a is left after `fits`: this one is refused, and takes nothing of b either.
      {
        orderId: short,
        items: [
          { productId: b.id, quantity: 1 },
          { productId: a.id, quantity: 2 },
        ],
      },
      { orderId: takesLast, items: [{ productId: a.id, quantity: 1 }] },
      { orderId: unknown, items: [{ productId: missing, quantity: 1 }] },
      {
        orderId: mixed,
        items: [
          { productId: b.id, quantity: 1 },
          { productId: usd.id, quantity: 1 },
        ],
      },
      {
        orderId: twoLines,
        items: [
          { productId: b.id, quantity: 2 },
          { productId: b.id, quantity: 1 },
        ],
      },
      { orderId: repeats, items: [{ productId: b.id, quantity: 4 }] },
      { orderId: repeats, items: [{ productId: b.id, quantity: 4 }] },
    ];
    const res = await internal(`/internal/reservations/batch`, { body: { reservations } });
    assert.equal(res.status, 200, res.text);
    const items = res.body.items as {
      orderId: string;
      status: number;
      reservation?: unknown;
      problem?: { type: string; productId?: string };
    }[];
    assert.deepEqual(
      items.map((i) => [i.orderId, i.status]),
      [
        [fits, 201],
        [replayed, 200],
        [short, 409],
        [takesLast, 201],
        [unknown, 422],
        [mixed, 422],
        [twoLines, 400],
        [repeats, 201],
        [repeats, 200],
      ],
    );
    assert.deepEqual(items[0]?.reservation, {
      orderId: fits,
      status: 'reserved',
      items: [{ productId: a.id, quantity: 2, unitPriceCents: 1500, currency: 'EUR' }],
    });
    assert.equal(items[2]?.problem?.type, 'https://shipshape.dev/problems/insufficient-stock');
    assert.equal(items[2]?.problem?.productId, a.id);
    assert.equal(items[4]?.problem?.type, 'https://shipshape.dev/problems/unknown-product');
    assert.equal(items[5]?.problem?.type, 'https://shipshape.dev/problems/mixed-currency');
    // a: 2 + 1 taken; b: the first reservation's 1 and the repeated order's 4, once; nothing of the refused ones.
    assert.deepEqual([await store.stockOf(a.id), await store.stockOf(b.id), await store.stockOf(usd.id)], [0, 5, 10]);
    assert.equal(await store.reservedQuantity(b.id), 5);
    for (const body of [
      { reservations: [] },
      { reservations: [{ orderId: 'not-a-uuid', items: [{ productId: a.id, quantity: 1 }] }] },
      { reservations: Array.from({ length: 101 }, () => ({ orderId: randomUUID(), items: [] })) },
      { reservations: { orderId: randomUUID(), items: [{ productId: a.id, quantity: 1 }] } },
      {},
    ]) {
      const bad = await internal(`/internal/reservations/batch`, { body });
      assert.equal(bad.status, 400, JSON.stringify(body));
    }
  });

  test('when products change price or currency between groups, then each group holds at the current price and refuses only orders whose currencies are mixed now', async () => {
    const a = await create({ stock: 10, priceCents: 1000, currency: 'EUR' });
    const b = await create({ stock: 10, priceCents: 2000, currency: 'USD' });
    const both = [
      { productId: a.id, quantity: 1 },
      { productId: b.id, quantity: 1 },
    ];
    const group = async (...orders: { productId: string; quantity: number }[][]) => {
      const res = await internal('/internal/reservations/batch', {
        body: { reservations: orders.map((items) => ({ orderId: randomUUID(), items })) },
      });
      assert.equal(res.status, 200, res.text);
      return (
        res.body.items as {
          status: number;
          reservation?: { items: { productId: string; unitPriceCents: number; currency: string }[] };
          problem?: { type: string };
        }[]
      ).map((i) => ({
        status: i.status,
        type: i.problem?.type.split('/').pop(),
        prices: i.reservation?.items
          .map((item) => `${item.productId === a.id ? 'a' : 'b'} ${item.unitPriceCents} ${item.currency}`)
          .sort(),
      }));
    };
    const patch = async (id: string, body: Record<string, unknown>) =>
      assert.equal((await call(`${base}/products/${id}`, { method: 'PATCH', body, headers: admin() })).status, 200);

    assert.deepEqual(await group(both), [{ status: 422, type: 'mixed-currency', prices: undefined }]);
    // Both products were priced before: neither the old prices nor b's old currency may decide the next group.
    await patch(a.id, { priceCents: 1100 });
    await patch(b.id, { priceCents: 2100, currency: 'EUR' });
    assert.deepEqual(await group(both, [{ productId: a.id, quantity: 1 }]), [
      { status: 201, type: undefined, prices: ['a 1100 EUR', 'b 2100 EUR'].sort() },
      { status: 201, type: undefined, prices: ['a 1100 EUR'] },
    ]);
    await patch(b.id, { currency: 'USD' });
    assert.deepEqual(await group(both), [{ status: 422, type: 'mixed-currency', prices: undefined }]);
    assert.deepEqual([await store.stockOf(a.id), await store.stockOf(b.id)], [8, 9]);
  });

  test('when K concurrent group reservations compete for stock S, then exactly S orders are held and none oversells', async () => {
    const S = 25;
    const p = await create({ stock: S });
    const groups = await Promise.all(
      Array.from({ length: 8 }, () =>
        internal(`/internal/reservations/batch`, {
          body: {
            reservations: Array.from({ length: 5 }, () => ({
              orderId: randomUUID(),
              items: [{ productId: p.id, quantity: 1 }],
            })),
          },
        }),
      ),
    );
    const statuses = groups.flatMap((g) => (g.body.items as { status: number }[]).map((i) => i.status));
    assert.equal(statuses.filter((s) => s === 201).length, S);
    assert.equal(statuses.filter((s) => s === 409).length, 40 - S);
    assert.equal(await store.stockOf(p.id), 0);
    assert.equal(await store.reservedQuantity(p.id), S);
  });

  test('when unresolved reservations are listed by pages, then each appears once and committed ones never', async () => {
    const p = await create({ stock: 50 });
    const open: string[] = [];
    for (let i = 0; i < 5; i++) {
      const orderId = randomUUID();
      await internal(`/internal/reservations`, { body: { orderId, items: [{ productId: p.id, quantity: 1 }] } });
      open.push(orderId);
    }
    const committed = randomUUID();
    await internal(`/internal/reservations`, {
      body: { orderId: committed, items: [{ productId: p.id, quantity: 1 }] },
    });
    await internal(`/internal/reservations/${committed}/commit`, { method: 'POST' });
    const seen: string[] = [];
    let after: string | null = null;
    do {
      const res: { status: number; body: { items: { orderId: string }[]; nextCursor: string | null } } = await internal(
        `/internal/reservations?olderThanMs=0&limit=2${after ? `&after=${after}` : ''}`,
      );
      assert.equal(res.status, 200);
      seen.push(...res.body.items.map((r) => r.orderId));
      after = res.body.nextCursor;
    } while (after);
    assert.equal(new Set(seen).size, seen.length);
    for (const id of open) assert.ok(seen.includes(id));
    assert.ok(!seen.includes(committed));
    const bad = await internal(`/internal/reservations?after=bm90LWEtY3Vyc29y`);
    assert.deepEqual([bad.status, bad.body.errors[0].field], [400, 'querystring.after']);
  });

  test('when stock changes through a reservation, then the cached product is refreshed', async () => {
    const p = await create({ stock: 9 });
    await call(`${base}/products/${p.id}`);
    await internal(`/internal/reservations`, {
      body: { orderId: randomUUID(), items: [{ productId: p.id, quantity: 4 }] },
    });
    const read = await call(`${base}/products/${p.id}`);
    assert.equal(read.body.stock, 5);
    const text = await (await fetch(metricsUrl(base))).text();
    assert.ok(metricValue(text, 'shipshape_stock_reservations_total', { result: 'reserved' }) >= 1);
    assert.ok(metricValue(text, 'shipshape_stock_reservations_total', { result: 'insufficient_stock' }) >= 1);
  });

  test('when a CHECK would be violated by a direct write, then PostgreSQL refuses it', {
    skip: TEST_STORE === 'dynamodb' && 'a PostgreSQL constraint; DynamoDB writes are guarded by their conditions',
  }, async () => {
    const p = await create({ stock: 1 });
    await assert.rejects(
      db.query('UPDATE catalog.products SET stock = stock - 2 WHERE id = $1', [p.id]),
      /check constraint/,
    );
  });
});
