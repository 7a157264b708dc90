// The database's read timeout against a real PostgreSQL behind a TCP fault proxy: a connection on which nothing comes
// back any more (toxiproxy's `timeout` toxic with 0: the socket stays open and every byte is dropped).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { Database, errorKind } from '../src/db.ts';
import { isUnavailableError } from '../src/db-errors.ts';
import { Metrics } from '../src/metrics.ts';
import { createTestDatabase, type TestDatabase } from '../../../test/support/database.ts';
import { startFaultProxy, type FaultProxy } from '../../../tools/gameday/fault-proxy.ts';

const STATEMENT_TIMEOUT_MS = 400;
/** The statement timeout plus the second the read timeout allows past it. */
const READ_BOUND_MS = STATEMENT_TIMEOUT_MS + 1000;

let testDb: TestDatabase;
let proxy: FaultProxy;

before(async () => {
  testDb = await createTestDatabase({ migrate: false });
  const u = new URL(testDb.url);
  proxy = await startFaultProxy('postgres', `${u.hostname}:${u.port || 5432}`);
});
after(async () => {
  await proxy.close();
  await testDb.drop();
});

function open(): { db: Database; metrics: Metrics } {
  const u = new URL(testDb.url);
  u.host = proxy.listen;
  const metrics = new Metrics('db-test');
  const db = new Database(
    {
      url: u.toString(),
      ssl: 'disable',
      poolMax: 2,
      connectTimeoutMs: 2000,
      statementTimeoutMs: STATEMENT_TIMEOUT_MS,
      applicationName: 'db-test',
    },
    metrics,
    pino({ level: 'silent' }),
  );
  return { db, metrics };
}

async function timeouts(metrics: Metrics): Promise<number> {
  const m = await metrics.dbErrors.get();
  return m.values.find((v) => v.labels.kind === 'timeout')?.value ?? 0;
}

/** How long `work` took to fail, and with what. */
async function failure(work: Promise<unknown>): Promise<{ ms: number; err: Error }> {
  const started = performance.now();
  try {
    await work;
  } catch (err) {
    return { ms: performance.now() - started, err: err as Error };
  }
  assert.fail('the statement did not fail');
}

test('when PostgreSQL stops answering mid-connection, then a statement fails as a timeout within its bound and the pool recovers', async () => {
  const { db, metrics } = open();
  try {
    assert.equal((await db.query('probe', 'SELECT 1 AS one')).rows[0]?.one, 1);
    proxy.addToxic({ type: 'timeout', attributes: { timeout: 0 } });
    const { ms, err } = await failure(db.query('probe', 'SELECT 2'));
    assert.match(err.message, /read timeout/i);
    assert.equal(errorKind(err), 'timeout');
    assert.ok(isUnavailableError(err), 'a 503 for the caller');
    // The sweep runs every 250 ms: the statement fails between its bound and a sweep (and a little scheduling) later.
    assert.ok(ms >= READ_BOUND_MS - 50 && ms < READ_BOUND_MS + 1000, `failed after ${Math.round(ms)} ms`);
    assert.equal(await timeouts(metrics), 1);

    proxy.removeToxics();
    assert.equal((await db.query('probe', 'SELECT 3 AS three')).rows[0]?.three, 3, 'a new connection answers');
  } finally {
    proxy.removeToxics();
    await db.close();
  }
});

test('when PostgreSQL stops answering inside a transaction, then the transaction fails as a timeout without crashing the process', async () => {
  const { db } = open();
  try {
    const { ms, err } = await failure(
      db.tx('probe_tx', async (client) => {
        await client.query('SELECT 1');
        proxy.addToxic({ type: 'timeout', attributes: { timeout: 0 } });
        await client.query('SELECT 2');
      }),
    );
    assert.match(err.message, /read timeout/i);
    assert.ok(ms >= READ_BOUND_MS - 50 && ms < READ_BOUND_MS + 1000, `failed after ${Math.round(ms)} ms`);
    proxy.removeToxics();
    assert.equal((await db.query('probe', 'SELECT 4 AS four')).rows[0]?.four, 4);
  } finally {
    proxy.removeToxics();
    await db.close();
  }
});

test('when a transaction lasts longer than the bound but each statement is answered within it, then it commits', async () => {
  const { db } = open();
  try {
    const slow = `SELECT pg_sleep(${(STATEMENT_TIMEOUT_MS * 0.75) / 1000})`;
    const started = performance.now();
    const out = await db.tx('probe_tx', async (client) => {
      for (let i = 0; i < 5; i++) await client.query(slow);
      return 'committed';
    });
    assert.equal(out, 'committed');
    assert.ok(performance.now() - started > READ_BOUND_MS, 'the transaction as a whole outlasted the bound');
  } finally {
    await db.close();
  }
});

test('when a statement runs past the statement timeout on a live server, then it fails with the server cancel, not the read timeout', async () => {
  const { db, metrics } = open();
  try {
    const { err } = await failure(db.query('probe', 'SELECT pg_sleep(3)'));
    assert.equal((err as Error & { code?: string }).code, '57014');
    assert.doesNotMatch(err.message, /read timeout/i);
    assert.equal(await timeouts(metrics), 1, 'counted once, as a timeout of the server');
  } finally {
    await db.close();
  }
});

test('when a statement runs and after it, then db_client_connections shows the pool as it is at the scrape', async () => {
  const { db, metrics } = open();
  const connections = async () => {
    const m = await metrics.dbConnections.get();
    return Object.fromEntries(m.values.map((v) => [v.labels.state, v.value]));
  };
  try {
    const running = db.query('probe', 'SELECT pg_sleep(0.3)');
    await new Promise((r) => setTimeout(r, 150));
    assert.deepEqual(await connections(), { idle: 0, used: 1, waiting: 0 });
    await running;
    assert.deepEqual(await connections(), { idle: 1, used: 0, waiting: 0 });
  } finally {
    await db.close();
  }
});
