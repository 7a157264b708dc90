// STORE=dynamodb when DynamoDB goes away: reads that miss the cache, writes and reservations answer 503 with
// Retry-After within the deadline (never a hang, never a 500), and readiness reports the store down.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { App } from '@shipshape/platform/service';
import { createTestDatabase, type TestDatabase } from '../../../test/support/database.ts';
import { adminToken, metricsUrl, startProducts, uniqueNamespace } from '../../../test/support/apps.ts';
import { ordersIdentity } from '../../../test/support/auth.ts';
import { startTestDynamo, type TestDynamo } from '../../../test/support/dynamodb.ts';
import { call, metricValue } from '../../../test/support/http.ts';

const DEADLINE_MS = 800;
let db: TestDatabase;
let dynamo: TestDynamo;
let app: App;
let base: string;

before(async () => {
  db = await createTestDatabase();
  dynamo = await startTestDynamo();
  const env = await dynamo.tables();
  ({ app, url: base } = await startProducts({
    ...env.products,
    DATABASE_URL: db.url,
    DYNAMODB_TIMEOUT_MS: String(DEADLINE_MS),
    CACHE_NAMESPACE: uniqueNamespace(),
  }));
});
after(async () => {
  await app?.close();
  await dynamo?.stop();
  await db?.drop();
});

test('when DynamoDB stops, then reads, writes and reservations answer 503 with Retry-After within the deadline', async () => {
  const admin = { authorization: `Bearer ${await adminToken()}` };
  const fromOrders = await ordersIdentity('products');
  const created = await call(`${base}/products`, {
    body: { sku: `OUT-${randomUUID().slice(0, 8)}`, name: 'Thing', priceCents: 100, currency: 'EUR', stock: 5 },
    headers: { authorization: `Bearer ${await adminToken()}` },
  });
  assert.equal(created.status, 201, created.text);
  assert.equal((await call(`${base}/ready`)).status, 200);

  await dynamo.stop();

  const attempts = [
    () => call(`${base}/products/${randomUUID()}`),
    () => call(`${base}/products?limit=3`),
    () =>
      call(`${base}/products/${created.body.id}`, {
        method: 'PATCH',
        body: { stock: 9 },
        headers: admin,
      }),
    () =>
      call(`${base}/internal/reservations`, {
        headers: fromOrders,
        body: { orderId: randomUUID(), items: [{ productId: created.body.id, quantity: 1 }] },
      }),
  ];
  for (const attempt of attempts) {
    const t0 = Date.now();
    const res = await attempt();
    const took = Date.now() - t0;
    assert.equal(res.status, 503, res.text);
    assert.match(res.headers.get('content-type') ?? '', /problem\+json/);
    assert.ok(Number(res.headers.get('retry-after')) >= 1, 'Retry-After');
    assert.doesNotMatch(res.text, /127\.0\.0\.1|ECONNREFUSED/, 'no internal address in the answer');
    // The deadline, plus one connection timeout at most, plus a loaded machine.
    assert.ok(took < DEADLINE_MS + 1500, `answered in ${took} ms`);
  }
  const ready = await call(`${base}/ready`);
  assert.equal(ready.status, 503);
  assert.equal(ready.body.checks.database.status, 'down');
  const text = await (await fetch(metricsUrl(base))).text();
  assert.ok(metricValue(text, 'db_client_errors_total', { kind: 'connection' }) >= 1);
});
