// Cache and database outages, on private Redis and PostgreSQL instances this file starts and stops.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { createTestDatabase, type TestDatabase } from '../../../test/support/database.ts';
import { startUsers, uniqueNamespace, metricsUrl } from '../../../test/support/apps.ts';
import { metricValue, waitFor } from '../../../test/support/http.ts';
import {
  startPrivatePostgres,
  startPrivateRedis,
  type PrivatePostgres,
  type PrivateRedis,
} from '../../../test/support/servers.ts';
import { adminCall as call } from '../../../test/support/auth.ts';
import type { App } from '@shipshape/platform/service';

const email = () => `r-${randomUUID()}@example.com`;

describe('when Redis goes down and comes back', () => {
  let redis: PrivateRedis;
  let db: TestDatabase;
  let app: App;
  let base: string;

  before(async () => {
    redis = await startPrivateRedis();
    db = await createTestDatabase();
    ({ app, url: base } = await startUsers({
      DATABASE_URL: db.url,
      REDIS_URL: redis.url,
      CACHE_NAMESPACE: uniqueNamespace(),
    }));
  });
  after(async () => {
    await app.close();
    await redis.close();
    await db.drop();
  });

  test('then reads come from PostgreSQL, writes succeed, /ready stays 200 but degraded, and the cache reconnects by itself', async () => {
    const u = (await call(`${base}/users`, { body: { name: 'Cachey', email: email() } })).body;
    await call(`${base}/users/${u.id}`);
    assert.equal((await call(`${base}/users/${u.id}`)).headers.get('x-cache'), 'hit');

    await redis.stop();
    await waitFor(
      'cache to be reported down',
      async () => (await call(`${base}/ready`)).body.checks.cache.status === 'down',
    );
    const ready = await call(`${base}/ready`);
    assert.equal(ready.status, 200);
    assert.equal(ready.body.status, 'degraded');
    for (let i = 0; i < 10; i++) {
      const r = await call(`${base}/users/${u.id}`);
      assert.equal(r.status, 200);
      assert.equal(r.headers.get('x-cache'), 'miss');
    }
    const patched = await call(`${base}/users/${u.id}`, {
      method: 'PATCH',
      body: { name: 'Written while Redis was down' },
    });
    assert.equal(patched.status, 200);
    const created = await call(`${base}/users`, { body: { name: 'New while down', email: email() } });
    assert.equal(created.status, 201);
    assert.equal((await call(`${base}/users?limit=100`)).status, 200);
    assert.equal(metricValue(await (await fetch(metricsUrl(base))).text(), 'cache_up'), 0);

    const t0 = Date.now();
    await redis.start();
    await waitFor(
      'cache to reconnect',
      async () => (await call(`${base}/ready`)).body.checks.cache.status === 'up',
      20_000,
      50,
    );
    const recoveredMs = Date.now() - t0;
    // The write made during the outage is visible: no stale entry survives the reconnect.
    const fresh = await call(`${base}/users/${u.id}`);
    assert.equal(fresh.body.name, 'Written while Redis was down');
    assert.equal((await call(`${base}/users/${u.id}`)).headers.get('x-cache'), 'hit');
    console.log(`# figure: redis recovery ${recoveredMs} ms`);
  });
});

describe('when PostgreSQL goes down and comes back', () => {
  let server: PrivatePostgres;
  let db: TestDatabase;
  let app: App;
  let base: string;

  before(async () => {
    server = await startPrivatePostgres();
    db = await createTestDatabase({ adminUrl: server.adminUrl });
    ({ app, url: base } = await startUsers({ DATABASE_URL: db.url, DATABASE_CONNECT_TIMEOUT_MS: '1000' }));
  });
  after(async () => {
    await app.close();
    await db.drop().catch(() => {});
    await server.close();
  });

  test('then requests fail fast with 503 and Retry-After, /ready is 503, and service resumes without a restart', async () => {
    const u = (await call(`${base}/users`, { body: { name: 'Persist', email: email() } })).body;
    await server.stop();
    const t0 = Date.now();
    const failed = await call(`${base}/users`, { body: { name: 'Nope', email: email() } });
    const tookMs = Date.now() - t0;
    assert.equal(failed.status, 503);
    assert.ok(Number(failed.headers.get('retry-after')) >= 1);
    assert.match(failed.headers.get('content-type') ?? '', /problem\+json/);
    assert.ok(tookMs < 3000, `503 took ${tookMs} ms`);
    const unready = await call(`${base}/ready`);
    assert.equal(unready.status, 503);
    assert.equal(unready.body.checks.database.status, 'down');
    assert.equal((await call(`${base}/health`)).status, 200, 'liveness must not fail on a dependency outage');
    const text = await (await fetch(metricsUrl(base))).text();
    assert.ok(
      metricValue(text, 'db_client_errors_total', { kind: 'connection' }) +
        metricValue(text, 'db_client_errors_total', { kind: 'timeout' }) >=
        1,
    );
    assert.equal(metricValue(text, 'service_ready'), 0);

    const t1 = Date.now();
    await server.start();
    await waitFor('service to be ready again', async () => (await call(`${base}/ready`)).status === 200, 20_000, 50);
    const recoveredMs = Date.now() - t1;
    assert.equal((await call(`${base}/users/${u.id}`)).status, 200);
    assert.equal((await call(`${base}/users`, { body: { name: 'Back', email: email() } })).status, 201);
    console.log(`# figure: postgres recovery ${recoveredMs} ms; 503 answered in ${tookMs} ms`);
  });
});

describe('when the database kills the service connections', () => {
  let db: TestDatabase;
  let app: App;
  let base: string;

  before(async () => {
    db = await createTestDatabase();
    ({ app, url: base } = await startUsers({ DATABASE_URL: db.url }));
  });
  after(async () => {
    await app.close();
    await db.drop();
  });

  test('then at most the requests in flight fail with 503 and the pool reconnects', async () => {
    const u = (await call(`${base}/users`, { body: { name: 'Victim', email: email() } })).body;
    await Promise.all(Array.from({ length: 8 }, () => call(`${base}/users?limit=5`)));
    const admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    const killed = await admin.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND application_name = 'users'`,
      [db.name],
    );
    await admin.end();
    assert.ok((killed.rowCount ?? 0) >= 1, 'some connections were killed');
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) statuses.push((await call(`${base}/users/${u.id}`)).status);
    assert.ok(
      statuses.every((s) => s === 200 || s === 503),
      statuses.join(','),
    );
    assert.equal(statuses.at(-1), 200);
    assert.equal((await call(`${base}/ready`)).status, 200);
  });
});
