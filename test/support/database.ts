// A database per test file: created, migrated (and optionally seeded), dropped at the end.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { migrateAll } from '../../tools/db/migrate.ts';
import { seed } from '../../tools/db/seed.ts';
import { PG_ADMIN_URL } from './env.ts';

export interface TestDatabase {
  url: string;
  name: string;
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, params?: unknown[]): Promise<pg.QueryResult<R>>;
  drop(): Promise<void>;
}

export function withDatabase(adminUrl: string, name: string): string {
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return u.toString();
}

export async function createTestDatabase(
  opts: { migrate?: boolean; seed?: boolean; adminUrl?: string } = {},
): Promise<TestDatabase> {
  const adminUrl = opts.adminUrl ?? PG_ADMIN_URL;
  const name = `shipshape_test_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = withDatabase(adminUrl, name);
  if (opts.migrate !== false) await migrateAll(url);
  if (opts.seed) await seed(url);
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  // pool.end() resolves before its sockets have closed; DROP ... WITH (FORCE) then terminates them, which an idle
  // client reports here. Without a listener that would be an uncaught exception after the test ended.
  pool.on('error', () => {});
  return {
    url,
    name,
    query: (text, params) => pool.query(text, params),
    drop: async () => {
      await pool.end();
      const a = new pg.Client({ connectionString: adminUrl });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await a.end();
    },
  };
}
