// The benchmark vacuums the system's database before each order scenario, as pgbench vacuums its own tables: on a
// server whose autovacuum is off, dead rows would otherwise pile up from one scenario to the next.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestDatabase, type TestDatabase } from '../../../test/support/database.ts';
import { vacuumDatabase } from '../system.ts';

let db: TestDatabase;
before(async () => {
  db = await createTestDatabase({ migrate: false });
});
after(async () => {
  await db.drop();
});

test('when the benchmark vacuums a database, then the dead rows its updates left are gone', async () => {
  await db.query('CREATE EXTENSION IF NOT EXISTS pgstattuple');
  await db.query('CREATE TABLE reservations (id int PRIMARY KEY, status text NOT NULL)');
  await db.query("INSERT INTO reservations SELECT g, 'reserved' FROM generate_series(1, 2000) g");
  await db.query("UPDATE reservations SET status = 'committed'");
  const dead = async () =>
    Number((await db.query<{ n: string }>("SELECT dead_tuple_count AS n FROM pgstattuple('reservations')")).rows[0]?.n);
  assert.ok((await dead()) >= 1000, `the update left ${await dead()} dead rows`);
  await vacuumDatabase(db.url);
  assert.equal(await dead(), 0);
});
