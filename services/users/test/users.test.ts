import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '../../../test/support/database.ts';
import { startUsers, uniqueNamespace, metricsUrl } from '../../../test/support/apps.ts';
import { metricValue } from '../../../test/support/http.ts';
import { adminCall as call, ordersIdentity } from '../../../test/support/auth.ts';
import { call as plainCall } from '../../../test/support/http.ts';
import { REDIS_URL } from '../../../test/support/env.ts';
import type { App } from '@shipshape/platform/service';

let db: TestDatabase;
let app: App;
let base: string;
const email = (s: string) => `${s}-${Math.random().toString(36).slice(2, 8)}@example.com`;

before(async () => {
  db = await createTestDatabase();
  ({ app, url: base } = await startUsers({ DATABASE_URL: db.url, REDIS_URL, CACHE_NAMESPACE: uniqueNamespace() }));
});
after(async () => {
  await app.close();
  await db.drop();
});

describe('users API', () => {
  test('when a valid user is posted, then it is stored and returned with ids and timestamps', async () => {
    const res = await call(`${base}/users`, { body: { name: 'Ada', email: email('ada') } });
    assert.equal(res.status, 201);
    assert.match(res.body.id, /^[0-9a-f-]{36}$/);
    assert.equal(res.headers.get('location'), `/users/${res.body.id}`);
    assert.ok(Date.parse(res.body.createdAt) && Date.parse(res.body.updatedAt));
    const row = await db.query('SELECT name, email FROM users.users WHERE id = $1', [res.body.id]);
    assert.equal(row.rows[0]!.name, 'Ada');
  });

  test('when an email differs only in case from an existing one, then 409 problem+json', async () => {
    const e = email('grace');
    assert.equal((await call(`${base}/users`, { body: { name: 'Grace', email: e } })).status, 201);
    const dup = await call(`${base}/users`, { body: { name: 'Grace 2', email: e.toUpperCase() } });
    assert.equal(dup.status, 409);
    assert.match(dup.headers.get('content-type') ?? '', /application\/problem\+json/);
    assert.equal(dup.body.status, 409);
    assert.deepEqual(dup.body.errors, [{ field: 'body.email', message: 'is already registered' }]);
  });

  test('when the input is invalid, then 400 names every offending field', async () => {
    const res = await call(`${base}/users`, { body: { name: '', email: 'nope', extra: 1 } });
    assert.equal(res.status, 400);
    assert.equal(res.body.type, 'https://shipshape.dev/problems/validation-error');
    const fields = [...new Set(res.body.errors.map((e: { field: string }) => e.field))].sort();
    assert.deepEqual(fields, ['body.email', 'body.extra', 'body.name']);
    const notJson = await call(`${base}/users`, {
      raw: '{"name":',
      headers: { 'content-type': 'application/json' },
      method: 'POST',
    });
    assert.equal(notJson.status, 400);
    assert.equal(notJson.body.status, 400);
  });

  test('when a user is read twice, then the first read misses the cache and the second hits', async () => {
    const u = (await call(`${base}/users`, { body: { name: 'Linus', email: email('linus') } })).body;
    const first = await call(`${base}/users/${u.id}`);
    const second = await call(`${base}/users/${u.id}`);
    assert.equal(first.headers.get('x-cache'), 'miss');
    assert.equal(second.headers.get('x-cache'), 'hit');
    assert.deepEqual(second.body, u);
  });

  test('when a user is patched or deleted, then the next read shows the change', async () => {
    const u = (await call(`${base}/users`, { body: { name: 'Ken', email: email('ken') } })).body;
    await call(`${base}/users/${u.id}`);
    assert.equal((await call(`${base}/users/${u.id}`)).headers.get('x-cache'), 'hit');
    const patched = await call(`${base}/users/${u.id}`, { method: 'PATCH', body: { name: 'Ken T' } });
    assert.equal(patched.status, 200);
    assert.equal(patched.body.name, 'Ken T');
    const after = await call(`${base}/users/${u.id}`);
    assert.equal(after.body.name, 'Ken T');
    assert.equal(after.headers.get('x-cache'), 'miss');
    const list = await call(`${base}/users?limit=100`);
    assert.ok(list.body.items.some((x: { id: string; name: string }) => x.id === u.id && x.name === 'Ken T'));
    assert.equal((await call(`${base}/users/${u.id}`, { method: 'DELETE' })).status, 204);
    assert.equal((await call(`${base}/users/${u.id}`)).status, 404);
    const list2 = await call(`${base}/users?limit=100`);
    assert.ok(!list2.body.items.some((x: { id: string }) => x.id === u.id));
    assert.equal((await call(`${base}/users/${u.id}`, { method: 'DELETE' })).status, 404);
  });

  test('when users are listed page by page, then every user appears exactly once', async () => {
    for (let i = 0; i < 5; i++) await call(`${base}/users`, { body: { name: `P${i}`, email: email(`page${i}`) } });
    const total = Number((await db.query('SELECT count(*) FROM users.users')).rows[0]!.count);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res: { status: number; body: { items: { id: string }[]; nextCursor: string | null } } = await call(
        `${base}/users?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
      );
      assert.equal(res.status, 200);
      seen.push(...res.body.items.map((x) => x.id));
      cursor = res.body.nextCursor;
    } while (cursor);
    assert.equal(seen.length, total);
    assert.equal(new Set(seen).size, total);
    assert.equal((await call(`${base}/users?cursor=bm9wZQ`)).status, 400);
    assert.equal((await call(`${base}/users?limit=1000`)).status, 400);
  });

  test('when an id is not a UUID or unknown, then 400 or 404 problem+json', async () => {
    assert.equal((await call(`${base}/users/not-a-uuid`)).status, 400);
    const missing = await call(`${base}/users/00000000-0000-4000-8000-000000000000`);
    assert.equal(missing.status, 404);
    assert.equal(missing.body.title, 'Not Found');
  });

  test('when 20 clients miss the same key at once, then the database is read once', async () => {
    const u = (await call(`${base}/users`, { body: { name: 'Storm', email: email('storm') } })).body;
    const before = metricValue(
      await (await fetch(metricsUrl(base))).text(),
      'db_client_operation_duration_seconds_count',
      { operation: 'users_get' },
    );
    const results = await Promise.all(Array.from({ length: 20 }, () => call(`${base}/users/${u.id}`)));
    assert.ok(results.every((r) => r.status === 200));
    const afterCount = metricValue(
      await (await fetch(metricsUrl(base))).text(),
      'db_client_operation_duration_seconds_count',
      { operation: 'users_get' },
    );
    assert.equal(afterCount - before, 1);
  });

  test('when requests are served, then /metrics on its own listener has duration histograms by route template; the API port has no /metrics', async () => {
    assert.equal((await call(`${base}/metrics`)).status, 404);
    assert.notEqual(new URL(metricsUrl(base)).port, new URL(base).port);
    await call(`${base}/users/00000000-0000-4000-8000-000000000000`);
    const text = await (await fetch(metricsUrl(base))).text();
    assert.ok(
      metricValue(text, 'http_server_request_duration_seconds_count', {
        route: '/users/:id',
        method: 'GET',
        status_class: '4xx',
        service: 'users',
      }) >= 1,
    );
    assert.ok(metricValue(text, 'cache_requests_total', { cache: 'users', result: 'hit' }) >= 1);
    assert.equal(metricValue(text, 'cache_up'), 1);
  });

  test('when orders checks which users exist, then it learns exactly those, and a deleted one no longer counts', async () => {
    const a = await call(`${base}/users`, { body: { name: 'Checked A', email: email('checked-a') } });
    const b = await call(`${base}/users`, { body: { name: 'Checked B', email: email('checked-b') } });
    const unknown = randomUUID();
    const check = async (ids: string[]) =>
      plainCall(`${base}/internal/users/existing`, { body: { ids }, headers: await ordersIdentity('users') });
    const first = await check([unknown, b.body.id, a.body.id]);
    assert.equal(first.status, 200, first.text);
    assert.deepEqual(first.body, { existing: [b.body.id, a.body.id] });
    assert.equal((await call(`${base}/users/${a.body.id}`, { method: 'DELETE' })).status, 204);
    assert.deepEqual((await check([a.body.id, b.body.id])).body, { existing: [b.body.id] });
    // Bad input is a 400 naming the field; repeated, upper-case or too many ids are refused, never half answered.
    for (const ids of [[], [b.body.id, b.body.id], [b.body.id.toUpperCase()], ['nope'], Array(201).fill(unknown)]) {
      const bad = await check(ids);
      assert.equal(bad.status, 400, `${JSON.stringify(ids).slice(0, 80)}: ${bad.text}`);
      assert.match(bad.headers.get('content-type') ?? '', /application\/problem\+json/);
    }
    // Only orders may ask, with its service identity: a user token, even an admin's, is not one.
    const asAdmin = await call(`${base}/internal/users/existing`, { body: { ids: [b.body.id] } });
    assert.equal(asAdmin.status, 401);
  });

  test('when probed, then /health and /ready (and their /health/* aliases) answer with checks', async () => {
    for (const p of ['/health', '/health/live']) assert.equal((await call(base + p)).status, 200);
    for (const p of ['/ready', '/health/ready']) {
      const r = await call(base + p);
      assert.equal(r.status, 200);
      assert.equal(r.body.checks.database.status, 'up');
      assert.equal(r.body.checks.migrations.status, 'up');
      assert.equal(r.body.checks.cache.status, 'up');
    }
  });

  test('when /docs/json is fetched, then it is OpenAPI 3.1 titled with COMPANY_NAME', async () => {
    const doc = await call(`${base}/docs/json`);
    assert.equal(doc.body.openapi, '3.1.0');
    assert.equal(doc.body.info.title, 'Shipshape');
    assert.ok(doc.body.paths['/users/{id}'].get);
  });
});
