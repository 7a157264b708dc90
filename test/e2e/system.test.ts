// The whole system as separate processes: gateway → orders → users and products, over real HTTP.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { call, waitFor } from '../support/http.ts';
import { startOtlpReceiver, type ReceivedSpan } from '../support/otlp.ts';
import { assertStockInvariant, orphanReservations } from '../support/invariant.ts';
import { REDIS_URL } from '../support/env.ts';
import { storeUnderTest, type StoreUnderTest } from '../support/stores.ts';
import { SEED_PRODUCTS, SEED_USERS } from '../../tools/db/seed.ts';
import { startStack, type Stack } from '../../tools/dev/stack.ts';

let db: TestDatabase;
let store: StoreUnderTest;
let stack: Stack;
let otlp: Awaited<ReturnType<typeof startOtlpReceiver>>;
const initial = new Map<string, number>();

before(async () => {
  db = await createTestDatabase({ migrate: false });
  store = await storeUnderTest(db);
  otlp = await startOtlpReceiver();
  stack = await startStack({
    databaseUrl: db.url,
    dynamodb: store.dynamodb,
    redisUrl: REDIS_URL,
    env: {
      OTEL_EXPORTER_OTLP_ENDPOINT: otlp.endpoint,
      CACHE_NAMESPACE: `e2e${randomBytes(3).toString('hex')}`,
      RATE_LIMIT_MAX: '100000',
    },
    serviceEnv: { orders: { RECONCILE_INTERVAL_MS: '300', RECONCILE_GRACE_MS: '1500' } },
  });
});
after(async () => {
  await stack?.stop();
  await otlp?.close();
  if (initial.size) await assertStockInvariant(store, initial);
  await store?.close();
  await db?.drop();
});

const gw = () => stack.urls.gateway;
/** Orders are placed by their user, with that user's token. */
const asUser = async (id: string | undefined) => ({ authorization: `Bearer ${await stack.userToken(id ?? '')}` });
const newProduct = async (stock: number) => {
  const res = await call(`${gw()}/products`, {
    body: { sku: `E2E-${randomUUID().slice(0, 8)}`, name: 'E2E', priceCents: 500, currency: 'USD', stock },
    headers: { authorization: `Bearer ${stack.adminToken}` },
  });
  assert.equal(res.status, 201, res.text);
  initial.set(res.body.id, stock);
  return res.body as { id: string };
};

describe('through the gateway', () => {
  test('when an order is placed with X-Request-ID and traceparent, then all four services log that request id and trace id', async () => {
    const requestId = `e2e-${randomUUID()}`;
    const traceId = randomBytes(16).toString('hex');
    const product = await newProduct(5);
    const res = await call(`${gw()}/orders`, {
      body: { userId: SEED_USERS[0]?.id, items: [{ productId: product.id, quantity: 1 }] },
      headers: {
        ...(await asUser(SEED_USERS[0]?.id)),
        'idempotency-key': randomUUID(),
        'x-request-id': requestId,
        traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01`,
      },
    });
    assert.equal(res.status, 201, res.text);
    assert.equal(res.headers.get('x-request-id'), requestId);
    for (const service of ['gateway', 'orders', 'users', 'products'] as const) {
      const lines = await waitFor(
        `${service} to log ${requestId}`,
        async () => {
          const found = stack.logs[service]
            .filter((l) => l.includes(requestId))
            .map((l) => JSON.parse(l) as Record<string, unknown>);
          return found.some((l) => l.msg === 'request completed') ? found : undefined;
        },
        5000,
      );
      assert.ok(lines.every((l) => l.requestId === requestId));
      assert.ok(
        lines.some((l) => l.traceId === traceId),
        `${service} logs carry the trace id`,
      );
      assert.ok(lines.every((l) => typeof l.level === 'string' && typeof l.time === 'string'));
    }
    assert.ok(
      !Object.values(stack.logs)
        .flat()
        .some((l) => l.includes(stack.adminToken)),
      'tokens never reach the logs',
    );
  });

  test('when one order goes through gateway → orders → users and products, then one trace holds spans from all four services', async () => {
    const product = await newProduct(5);
    const res = await call(`${gw()}/orders`, {
      body: { items: [{ productId: product.id, quantity: 1 }] },
      headers: { ...(await asUser(SEED_USERS[1]?.id)), 'idempotency-key': randomUUID() },
    });
    assert.equal(res.status, 201);
    const serverSpan = await waitFor('the gateway span to be exported', async () =>
      otlp.spans.find(
        (s) => s.service === 'gateway' && s.name === 'POST /orders' && s.kind === 2 && s.parentSpanId === '',
      ),
    );
    const orphansOf = (spans: ReceivedSpan[]) => {
      const ids = new Set(spans.map((s) => s.spanId));
      return spans.filter((s) => s.parentSpanId && !ids.has(s.parentSpanId));
    };
    // Spans arrive in batches per process: wait until all four services reported and every parent is present.
    const trace = await waitFor('a complete trace from all four services', async () => {
      const spans = otlp.spans.filter((s) => s.traceId === serverSpan.traceId);
      return new Set(spans.map((s) => s.service)).size === 4 && orphansOf(spans).length === 0 ? spans : undefined;
    });
    assert.ok(
      trace.filter((s) => s.service === 'orders' && s.kind === 3).length >= 2,
      'orders made client calls to users and products',
    );
    assert.deepEqual([...new Set(trace.map((s) => s.service))].sort(), ['gateway', 'orders', 'products', 'users']);
    const probeSpans = otlp.spans.filter((s) => /\/(health|ready|metrics)\b/.test(s.name));
    assert.deepEqual(probeSpans, [], 'readiness polls and scrapes are not traced');
  });

  test('when /internal paths are requested through the gateway, then they are not routed', async () => {
    for (const path of [
      '/internal/reservations',
      '/products/..%2Finternal/reservations',
      '/internal/reservations/x/release',
    ]) {
      const res = await call(`${gw()}${path}`, { method: 'GET' });
      assert.equal(res.status, 404, path);
    }
    const res = await call(`${gw()}/internal/reservations`, {
      body: { orderId: randomUUID(), items: [{ productId: SEED_PRODUCTS[0]?.id, quantity: 1 }] },
    });
    assert.equal(res.status, 404);
  });

  test('when GET / and /docs/json are read through the gateway, then company and combined public docs come back', async () => {
    const root = await call(`${gw()}/`);
    assert.deepEqual(Object.keys(root.body).sort(), ['company', 'service', 'version']);
    assert.equal(root.body.company, 'Shipshape');
    const docs = await call(`${gw()}/docs/json`);
    assert.equal(docs.body.info.title, 'Shipshape');
    for (const p of [
      '/users',
      '/users/{id}',
      '/products',
      '/products/{id}',
      '/orders',
      '/orders/{id}',
      '/orders/{id}/cancel',
    ])
      assert.ok(docs.body.paths[p], `docs have ${p}`);
    assert.ok(!Object.keys(docs.body.paths).some((p) => p.startsWith('/internal')));
  });
});

describe('when clients hang up mid-request', () => {
  test('then the gateway keeps serving', async () => {
    const pid = stack.pid('gateway');
    await Promise.all(
      Array.from({ length: 40 }, async (_, i) => {
        const ctl = new AbortController();
        setTimeout(() => ctl.abort(), 1 + (i % 5));
        await fetch(`${gw()}/products/${SEED_PRODUCTS[i % SEED_PRODUCTS.length]?.id}`, { signal: ctl.signal })
          .then((r) => r.text())
          .catch(() => undefined);
      }),
    );
    await new Promise((r) => setTimeout(r, 200));
    assert.equal((await call(`${gw()}/products`)).status, 200);
    assert.equal(stack.pid('gateway'), pid);
  });
});

describe('when the orders process is killed in the middle of orders', () => {
  test('then after restart the reconciler restores the stock invariant', async () => {
    // Enough stock for every order (120 orders take at most 180 of each), so each answer is a 201 or a cut-off one;
    // enough orders that the kill finds some in flight.
    const products = await Promise.all([newProduct(200), newProduct(200)]);
    const tokens = await Promise.all(SEED_USERS.map((u) => asUser(u.id)));
    let placed = 0;
    const orders = Array.from({ length: 120 }, (_, i) =>
      call(`${gw()}/orders`, {
        body: { items: products.map((p) => ({ productId: p.id, quantity: 1 + (i % 2) })) },
        headers: { ...tokens[i % tokens.length], 'idempotency-key': randomUUID() },
      })
        .then((r) => {
          if (r.status === 201) placed++;
          return r;
        })
        .catch(() => undefined),
    );
    // Killed once the storm is under way: some orders answered, the rest in flight.
    await waitFor('the first orders to be placed', async () => placed >= 10, 20_000, 5);
    await stack.stopService('orders', 'SIGKILL');
    const results = await Promise.all(orders);
    const statuses = results.map((r) => r?.status ?? 0);
    assert.ok(
      statuses.every((s) => [201, 502, 503, 504, 0].includes(s)),
      statuses.join(','),
    );
    const orphansAfterKill = await orphanReservations(store);
    await stack.startService('orders');
    await waitFor(
      'reconciler to release orphaned stock',
      async () => (await orphanReservations(store)) === 0,
      20_000,
      200,
    );
    await assertStockInvariant(store, initial);
    console.log(
      `# figure (${store.name}): orders killed mid-storm: ${statuses.filter((s) => s === 201).length} placed, ${statuses.filter((s) => s !== 201).length} cut off; ${orphansAfterKill} orphaned reservations released by the reconciler`,
    );
  });
});
