// `npm run db:reset`: wipes the services' schemas, migrates and seeds again; against DATABASE_URL/POSTGRES_* when set,
// otherwise against the embedded PostgreSQL of `npm start` (running or not).
import pg from 'pg';
import { ConfigError } from '@shipshape/platform/config';
import { databaseUrlFromEnv } from './targets.ts';
import { migrateAll } from './migrate.ts';
import { seed } from './seed.ts';
import { EMBEDDED_PORT, startEmbeddedPostgres, type EmbeddedDatabase } from '../dev/embedded-postgres.ts';
import { assertPortFree } from '../dev/ports.ts';
import { DB_SCHEMAS } from '../dev/services.ts';

export async function resetDatabase(
  databaseUrl: string,
): Promise<{ users: number; products: number; articles: number }> {
  const c = new pg.Client({ connectionString: databaseUrl });
  await c.connect();
  try {
    await c.query(DB_SCHEMAS.map((schema) => `DROP SCHEMA IF EXISTS ${schema} CASCADE`).join('; '));
  } finally {
    await c.end();
  }
  await migrateAll(databaseUrl);
  return seed(databaseUrl);
}

if (import.meta.main) {
  let embedded: EmbeddedDatabase | undefined;
  try {
    let url: string;
    if (process.env.DATABASE_URL || process.env.DATABASE_URL_FILE || process.env.POSTGRES_HOST) {
      url = databaseUrlFromEnv();
    } else {
      const running = await assertPortFree(EMBEDDED_PORT, 'embedded PostgreSQL').then(
        () => false,
        () => true,
      );
      if (running) url = `postgres://postgres:postgres@127.0.0.1:${EMBEDDED_PORT}/shipshape`;
      else {
        embedded = await startEmbeddedPostgres();
        url = embedded.url;
      }
    }
    const n = await resetDatabase(url);
    console.log(
      `db:reset: schemas recreated on ${new URL(url).host}; seeded ${n.users} users, ${n.products} products and ${n.articles} conduit articles`,
    );
    console.log(
      'Services running with an in-process cache may show old reads for up to CACHE_TTL_SECONDS (60 s); restart them to clear it.',
    );
  } catch (err) {
    const e = err as Error & { code?: string };
    console.error(
      `✗ db:reset failed: ${err instanceof ConfigError ? e.message : `${e.code ?? ''} ${e.message}`.trim()}`,
    );
    process.exitCode = 1;
  } finally {
    await embedded?.stop();
  }
}
