// The developer commands: npm start's one-line failures, and db:reset against a given database.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { freePort } from '../../tools/dev/ports.ts';
import { freeStartBase } from '../support/ports.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const dbs: TestDatabase[] = [];
after(async () => {
  await Promise.all(dbs.map((d) => d.drop()));
});

const run = (script: string, args: string[], env: Record<string, string>) =>
  spawnSync(process.execPath, [join(ROOT, script), ...args], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });

test('when a port npm start needs is taken, then it exits 1 with a one-line explanation', async () => {
  const port = await freePort();
  const blocker = createServer().listen(port, '0.0.0.0');
  await new Promise((r) => blocker.once('listening', r));
  try {
    const r = run('tools/dev/start.ts', ['--port', String(port)], {});
    assert.equal(r.status, 1);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0] ?? '', new RegExp(`^✗ port ${port} is already in use \\(needed by gateway\\)`));
  } finally {
    blocker.close();
  }
});

test('when DATABASE_URL points at nothing, then npm start exits 1 with a one-line explanation', async () => {
  const dead = await freePort();
  // Every port npm start checks must be free, or it fails on a port before it tries the database.
  const base = await freeStartBase();
  const r = run('tools/dev/start.ts', ['--port', String(base)], {
    DATABASE_URL: `postgres://postgres@127.0.0.1:${dead}/x`,
  });
  assert.equal(r.status, 1);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0] ?? '', /^✗ PostgreSQL at 127\.0\.0\.1:\d+ is unreachable \(ECONNREFUSED\)/);
});

test('when db:reset runs against DATABASE_URL, then the schemas are recreated and only the seed remains', async () => {
  const db = await createTestDatabase({ seed: true });
  dbs.push(db);
  await db.query(`INSERT INTO users.users (id, name, email) VALUES (gen_random_uuid(), 'Extra', 'extra@example.com')`);
  await db.query(`UPDATE catalog.products SET stock = 0`);
  await db.query(`DELETE FROM conduit.articles WHERE slug = 'the-first-program'`);
  const r = run('tools/db/reset.ts', [], { DATABASE_URL: db.url });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /seeded 10 users, 20 products and 4 conduit articles/);
  assert.equal((await db.query('SELECT count(*)::int AS n FROM conduit.articles')).rows[0]!.n, 4);
  assert.equal((await db.query('SELECT count(*)::int AS n FROM users.users')).rows[0]!.n, 10);
  assert.equal((await db.query('SELECT count(*)::int AS n FROM catalog.products WHERE stock > 0')).rows[0]!.n, 20);
});

test('when the images and the dev stack size V8 and fill the compile cache, then they use the same flags', async () => {
  const { readFileSync } = await import('node:fs');
  const { SERVICE_NODE_FLAGS, SERVICE_NODE_OPTIONS } = await import('../../tools/dev/stack.ts');
  const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
  assert.ok(
    dockerfile.includes(`ENV NODE_OPTIONS="${SERVICE_NODE_OPTIONS}"`),
    `the Dockerfile sets NODE_OPTIONS="${SERVICE_NODE_OPTIONS}"`,
  );
  // The flags Node refuses in NODE_OPTIONS go on the command line, before the entry point.
  const cmd = JSON.stringify(['node', ...SERVICE_NODE_FLAGS, 'server.ts']).replaceAll(',', ', ');
  assert.ok(dockerfile.includes(`CMD ${cmd}`), `the Dockerfile's CMD is ${cmd}`);
  // The compile cache is kept apart by V8 flags: the image fills it with the flags the CMD runs with.
  const fill = ['node', ...SERVICE_NODE_FLAGS, 'tools/dev/compile-cache.ts'].join(' ');
  assert.ok(dockerfile.includes(fill), `the Dockerfile fills the compile cache with ${fill}`);
});
