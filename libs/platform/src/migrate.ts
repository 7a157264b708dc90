// Migrations with node-pg-migrate: one schema and history table per service, serialised by an advisory lock.
import { readdir } from 'node:fs/promises';
import type pg from 'pg';

export interface MigrationTarget {
  /** The service's schema, which also holds its history table. */
  schema: string;
  dir: string;
  /** Distinct per service so services migrate in parallel but never twice at once. */
  lockValue: number;
}

export interface MigrateOptions {
  databaseUrl: string;
  log?: (msg: string) => void;
}

export async function migrate(target: MigrationTarget, opts: MigrateOptions): Promise<string[]> {
  // Loaded on demand: services only check migration status, and the runner is large.
  const { runner } = await import('node-pg-migrate');
  const ran = await runner({
    databaseUrl: opts.databaseUrl,
    dir: target.dir,
    direction: 'up',
    migrationsTable: 'pgmigrations',
    migrationsSchema: target.schema,
    createMigrationsSchema: true,
    schema: target.schema,
    createSchema: true,
    checkOrder: true,
    singleTransaction: true,
    lockValue: target.lockValue,
    advisoryLockMode: 'wait',
    log: opts.log ?? (() => {}),
    verbose: false,
  });
  return ran.map((m) => m.name);
}

/** Names of migration files that exist on disk but are not recorded as applied. */
export async function pendingMigrations(
  target: MigrationTarget,
  query: (text: string) => Promise<pg.QueryResult>,
): Promise<string[]> {
  const files = (await readdir(target.dir))
    .filter((f) => f.endsWith('.sql'))
    .map((f) => f.replace(/\.sql$/, ''))
    .sort();
  let applied: Set<string>;
  try {
    const res = await query(`SELECT name FROM "${target.schema}".pgmigrations`);
    applied = new Set(res.rows.map((r: { name: string }) => r.name));
  } catch (err) {
    if ((err as { code?: string }).code === '42P01' || (err as { code?: string }).code === '3F000') return files;
    throw err;
  }
  return files.filter((f) => !applied.has(f));
}
