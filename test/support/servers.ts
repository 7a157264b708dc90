// Private PostgreSQL and Redis instances for tests that stop or break them (never the shared ones).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import {
  appendFileSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { embeddedPostgres } from '../../tools/dev/embedded-postgres.ts';
import { freePort } from '../../tools/dev/ports.ts';

export interface PrivateRedis {
  url: string;
  port: number;
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  let proc: ChildProcess | undefined;
  const start = async () => {
    proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
      stdio: 'ignore',
    });
    const probe = new Redis({
      port,
      host: '127.0.0.1',
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    probe.on('error', () => {});
    for (let i = 0; i < 100; i++) {
      try {
        await probe.connect();
        await probe.ping();
        probe.disconnect();
        return;
      } catch {
        await sleep(50);
      }
    }
    throw new Error(`redis-server did not start on port ${port} (is redis-server installed?)`);
  };
  const stop = async () => {
    const p = proc;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const exited = new Promise((r) => p.once('exit', r));
    p.kill('SIGKILL');
    await exited;
  };
  await start();
  return { url: `redis://127.0.0.1:${port}`, port, start, stop, close: stop };
}

export interface PrivatePostgres {
  adminUrl: string;
  port: number;
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'shipshape-pg-'));
  try {
    const pg = await embeddedPostgres(dir, port);
    await pg.initialise();
    await pg.start();
    return {
      adminUrl: `postgres://postgres:postgres@127.0.0.1:${port}/postgres`,
      port,
      start: () => pg.start(),
      stop: () => pg.stop(),
      close: async () => {
        await pg.stop().catch(() => {});
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

export interface ArchivingPostgres extends PrivatePostgres {
  /** The role's password (scram; loopback connections must give it, unlike the shared trust instance). */
  password: string;
  /** What the server logged, most recent last. */
  log(): string;
  /** A base backup with pg_basebackup (tar-free plain format, WAL fetched), into a new directory; returns it. */
  baseBackup(): Promise<string>;
  /**
   * Point-in-time recovery: stops the server, replaces its data directory with `backup`, replays the archived WAL up
   * to `targetTime` (exclusive) and promotes. The server listens on the same port again when this resolves.
   */
  restoreTo(backup: string, targetTime: Date): Promise<void>;
}

/** Directory of the PostgreSQL server binaries installed from Debian's `postgresql` package (pg_basebackup included). */
export function postgresBinDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = (existsSync(root) ? readdirSync(root) : []).sort((a, b) => Number(b) - Number(a));
  const dir = versions.map((v) => join(root, v, 'bin')).find((d) => existsSync(join(d, 'pg_basebackup')));
  if (!dir)
    throw new Error('PostgreSQL server binaries not found under /usr/lib/postgresql: apt-get install postgresql');
  return dir;
}

function runAs(
  bin: string,
  args: string[],
  ids: { uid?: number; gid?: number },
  env: Record<string, string> = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { ...ids, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`${bin} ${args.join(' ')} exited ${code}:\n${out}`)),
    );
  });
}

/**
 * A private PostgreSQL from Debian's binaries with WAL archiving on, so it can be backed up with pg_basebackup and
 * restored to a point in time. Password authentication on loopback, data and archive in a temporary directory.
 */
export async function startArchivingPostgres(password = 'postgres'): Promise<ArchivingPostgres> {
  const bin = postgresBinDir();
  const port = await freePort();
  const root = mkdtempSync(join(tmpdir(), 'shipshape-pg-archive-'));
  const data = join(root, 'data');
  const archive = join(root, 'wal-archive');
  const socketDir = join(root, 'run');
  // PostgreSQL refuses to run as root: run it as the postgres user the Debian package creates, when there is one.
  let ids: { uid?: number; gid?: number } = {};
  if (process.getuid?.() === 0) {
    const id = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
    const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
    if (id.status !== 0) throw new Error('running as root and there is no postgres user to run PostgreSQL as');
    ids = { uid: Number(id.stdout.trim()), gid: Number(gid.stdout.trim()) };
  }
  for (const d of [archive, socketDir]) mkdirSync(d, { recursive: true });
  if (ids.uid !== undefined) for (const d of [root, archive, socketDir]) chownSync(d, ids.uid, ids.gid ?? ids.uid);
  const pwfile = join(root, 'pwfile');
  writeFileSync(pwfile, password);
  if (ids.uid !== undefined) chownSync(pwfile, ids.uid, ids.gid ?? ids.uid);
  await runAs(
    join(bin, 'initdb'),
    ['-D', data, '-U', 'postgres', '--auth=scram-sha-256', `--pwfile=${pwfile}`, '--no-sync'],
    ids,
  );
  rmSync(pwfile);
  const settings = [
    `port = ${port}`,
    "listen_addresses = '127.0.0.1'",
    `unix_socket_directories = '${socketDir}'`,
    'wal_level = replica',
    'archive_mode = on',
    `archive_command = 'test ! -f ${archive}/%f && cp %p ${archive}/%f'`,
    // A finished segment is archived within a second: the recovery point is never far behind.
    'archive_timeout = 1',
    'max_wal_senders = 4',
    'fsync = off',
    // DDL is logged with its time: that is how a destructive statement is found, and restored to just before.
    "log_statement = 'ddl'",
    'max_connections = 200',
  ];
  writeFileSync(join(data, 'postgresql.auto.conf'), `${settings.join('\n')}\n`);
  if (ids.uid !== undefined) chownSync(join(data, 'postgresql.auto.conf'), ids.uid, ids.gid ?? ids.uid);
  const logFile = join(root, 'server.log');
  const pgCtl = (...args: string[]) => runAs(join(bin, 'pg_ctl'), ['-D', data, ...args], ids);
  let running = false;
  const start = async () => {
    if (running) return;
    await pgCtl('-l', logFile, '-w', '-t', '60', 'start');
    running = true;
  };
  const stop = async () => {
    if (!running) return;
    await pgCtl('-m', 'fast', '-w', 'stop');
    running = false;
  };
  await start();
  const env = { PGPASSWORD: password };
  let backups = 0;
  return {
    adminUrl: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`,
    port,
    password,
    start,
    stop,
    log: () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : ''),
    baseBackup: async () => {
      const dir = join(root, `base-${++backups}`);
      await runAs(
        join(bin, 'pg_basebackup'),
        ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-D', dir, '-X', 'fetch', '-c', 'fast', '--no-sync'],
        ids,
        env,
      );
      return dir;
    },
    restoreTo: async (backup, targetTime) => {
      await stop();
      // As the PostgreSQL manual's recovery procedure says: keep the WAL the archive does not have yet (the current
      // segment), and put it back on top of the backup's, so recovery can replay up to the very last commit.
      const saved = join(root, 'pg_wal-unarchived');
      rmSync(saved, { recursive: true, force: true });
      await runAs('cp', ['-a', join(data, 'pg_wal'), saved], ids);
      rmSync(data, { recursive: true, force: true });
      await runAs('cp', ['-a', backup, data], ids);
      const segments = readdirSync(saved).filter((f) => /^[0-9A-F]{24}$/.test(f));
      if (segments.length) await runAs('cp', ['-a', ...segments.map((f) => join(saved, f)), join(data, 'pg_wal')], ids);
      const recovery = [
        `restore_command = 'cp ${archive}/%f %p'`,
        `recovery_target_time = '${targetTime.toISOString().replace('T', ' ').replace('Z', '+00')}'`,
        'recovery_target_inclusive = false',
        "recovery_target_action = 'promote'",
      ];
      appendFileSync(join(data, 'postgresql.auto.conf'), `${recovery.join('\n')}\n`);
      writeFileSync(join(data, 'recovery.signal'), '');
      if (ids.uid !== undefined) chownSync(join(data, 'recovery.signal'), ids.uid, ids.gid ?? ids.uid);
      await start();
      // pg_ctl returns once connections are accepted; recovery ends with the promotion to a new timeline.
      const deadline = Date.now() + 60_000;
      for (;;) {
        const out = await runAs(
          join(bin, 'psql'),
          ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-Atc', 'SELECT pg_is_in_recovery()', 'postgres'],
          {},
          env,
        ).catch((err: Error) => err.message);
        if (out.trim() === 'f') break;
        if (Date.now() > deadline) throw new Error(`recovery did not finish within 60 s: ${out}`);
        await sleep(200);
      }
    },
    close: async () => {
      await stop().catch(() => {});
      rmSync(root, { recursive: true, force: true });
    },
  };
}
