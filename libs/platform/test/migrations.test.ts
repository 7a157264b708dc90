import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createTestDatabase, type TestDatabase } from '../../../test/support/database.ts';
import { migrateAll } from '../../../tools/db/migrate.ts';
import { startUsers } from '../../../test/support/apps.ts';
import { call } from '../../../test/support/http.ts';

const dbs: TestDatabase[] = [];
after(async () => {
  await Promise.all(dbs.map((d) => d.drop()));
});

test('when migrations run three times at once and again, then each applies once and the rerun is a no-op', async () => {
  const db = await createTestDatabase({ migrate: false });
  dbs.push(db);
  await Promise.all([migrateAll(db.url), migrateAll(db.url), migrateAll(db.url)]);
  const applied = await db.query(
    `SELECT 'users' AS s, count(*)::int AS n FROM users.pgmigrations UNION ALL SELECT 'catalog', count(*)::int FROM catalog.pgmigrations UNION ALL SELECT 'orders', count(*)::int FROM orders.pgmigrations UNION ALL SELECT 'conduit', count(*)::int FROM conduit.pgmigrations`,
  );
  const files = (service: string) =>
    readdirSync(join(import.meta.dirname, '..', '..', '..', 'services', service, 'migrations')).filter((f) =>
      f.endsWith('.sql'),
    ).length;
  assert.deepEqual(
    applied.rows.map((r) => r.n),
    ['users', 'products', 'orders', 'conduit'].map(files),
  );
  const logs: string[] = [];
  await migrateAll(db.url, undefined, (m) => logs.push(m));
  assert.deepEqual(logs.sort(), [
    'conduit: up to date',
    'orders: up to date',
    'products: up to date',
    'users: up to date',
  ]);
});

test('when the schema is not migrated, then /ready is 503 naming the pending migration', async () => {
  const db = await createTestDatabase({ migrate: false });
  dbs.push(db);
  const { app, url } = await startUsers({ DATABASE_URL: db.url });
  try {
    const r = await call(`${url}/ready`);
    assert.equal(r.status, 503);
    assert.equal(r.body.checks.migrations.status, 'down');
    await migrateAll(db.url);
    assert.equal((await call(`${url}/ready`)).status, 200);
  } finally {
    await app.close();
  }
});
