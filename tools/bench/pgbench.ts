// The database yardstick: `pgbench -N` (TPC-B without the two hot-spot updates) against the same PostgreSQL server
// the services use, with the benchmark's client count: the commit rate that server sustains on this machine.
import { spawn } from 'node:child_process';
import { withClient } from './database.ts';
import { undoOnEarlyEnd } from './leftovers.ts';

import { randomBytes } from 'node:crypto';

export interface PgbenchFigures {
  transactionsPerSecond: number;
  latencyAverageMs: number;
  /** Transactions processed in the timed run, when pgbench printed the count. */
  transactions?: number;
  clients: number;
}

/** Called right before and right after the timed run (not around the initialisation), e.g. to read CPU counters. */
export interface PgbenchHooks {
  beforeRun?: () => Promise<void>;
  afterRun?: () => Promise<void>;
}

function run(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('pgbench', args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<void>((done) => child.once('exit', () => done()));
    const forget = undoOnEarlyEnd(async () => {
      child.kill('SIGTERM');
      await exited;
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.once('error', (err) => {
      forget();
      reject(err);
    });
    child.once('exit', (code) => {
      forget();
      resolve({ code: code ?? 1, out });
    });
  });
}

/** Reads the figures from pgbench's summary; undefined when it printed none. */
export function parsePgbench(output: string): Omit<PgbenchFigures, 'clients'> | undefined {
  const tps = /^tps = ([0-9.]+)/m.exec(output);
  const latency = /^latency average = ([0-9.]+) ms/m.exec(output);
  const processed = /^number of transactions actually processed: (\d+)/m.exec(output);
  if (!tps?.[1]) return undefined;
  const transactionsPerSecond = Number(tps[1]);
  if (!Number.isFinite(transactionsPerSecond) || transactionsPerSecond <= 0) return undefined;
  return {
    transactionsPerSecond,
    latencyAverageMs: latency?.[1] ? Number(latency[1]) : Number.NaN,
    ...(processed?.[1] ? { transactions: Number(processed[1]) } : {}),
  };
}

/**
 * Initialises a scratch database next to `databaseUrl` and runs `pgbench -N` for `durationSeconds` with `clients`
 * connections. Throws with pgbench's own words when it cannot run.
 */
export async function runPgbench(
  databaseUrl: string,
  clients: number,
  durationSeconds: number,
  hooks: PgbenchHooks = {},
): Promise<PgbenchFigures> {
  // A scratch database of its own, so two runs on one server never drop each other's.
  const database = `shipshape_pgbench_${randomBytes(4).toString('hex')}`;
  const drop = () =>
    withClient(databaseUrl, async (c) => {
      await c.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).catch(() => {});
    });
  const forget = undoOnEarlyEnd(drop);
  await withClient(databaseUrl, async (admin) => {
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${database}`);
  });
  const url = new URL(databaseUrl);
  const env = {
    ...process.env,
    PGHOST: url.hostname,
    PGPORT: url.port || '5432',
    PGUSER: decodeURIComponent(url.username) || 'postgres',
    PGDATABASE: database,
    ...(url.password ? { PGPASSWORD: decodeURIComponent(url.password) } : {}),
  };
  try {
    const init = await run(['-i', '-q', '-s', '1'], env);
    if (init.code !== 0) throw new Error(`pgbench -i failed: ${init.out.trim().split('\n').at(-1)}`);
    const jobs = String(Math.min(clients, 2));
    await hooks.beforeRun?.();
    const bench = await run(
      ['-N', '-M', 'prepared', '-c', String(clients), '-j', jobs, '-T', String(durationSeconds)],
      env,
    );
    await hooks.afterRun?.();
    const figures = parsePgbench(bench.out);
    if (bench.code !== 0 || !figures) throw new Error(`pgbench -N failed: ${bench.out.trim().split('\n').at(-1)}`);
    return { ...figures, clients };
  } finally {
    forget();
    await drop();
  }
}
