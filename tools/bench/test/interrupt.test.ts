// A benchmark run that started its own system and ends early (a signal, or a reader of its output that went away)
// stops that system first, and undoes what it started besides: no service, yardstick or pgbench is left running
// without it, and no scratch database is left behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { Redis } from 'ioredis';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

/** The processes `parent` started whose command line matches `pattern`. */
function startedBy(parent: number, pattern: RegExp): { pid: number; cmd: string }[] {
  const found: { pid: number; cmd: string }[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let cmd: string;
    let stat: string;
    try {
      cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ');
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // ended meanwhile
    }
    // The parent's id is the second field after the command name, which is in parentheses.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (ppid === parent && pattern.test(cmd)) found.push({ pid: Number(entry), cmd });
  }
  return found;
}

/** The database a running pgbench loads (the benchmark points it there with PGDATABASE). */
function databaseOf(pid: number): string | undefined {
  const environ = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
  return environ.find((v) => v.startsWith('PGDATABASE='))?.slice('PGDATABASE='.length);
}

async function waitFor<T>(what: string, find: () => T | undefined, timeoutMs = 60_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const found = find();
    if (found !== undefined) return found;
    if (Date.now() > until) throw new Error(`${what} did not show within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const SERVICE = /services\/\w+\/src\/server\.ts/;

// Each case ends the run while one of its helpers runs: pgbench (the first step of the order scenarios), or the Redis
// yardstick, which keeps running from before the direct read until after it (a closed output ends the run at its next
// line, the direct read's).
const cases = [
  { how: 'SIGTERM', only: 'orders', helper: 'pgbench', pattern: /\bpgbench -N /, code: 143 },
  {
    how: 'a closed output',
    only: 'reads',
    helper: 'the Redis yardstick',
    pattern: /yardstick-server\.ts redis-get /,
    code: 1,
  },
] as const;

for (const c of cases) {
  test(`when a run that started its own system gets ${c.how} while ${c.helper} runs, then it ends and every service and helper it started stops`, {
    timeout: 150_000,
  }, async () => {
    const out = await mkdtemp(join(tmpdir(), 'bench-interrupt-'));
    // Nothing answers on port 9, so the benchmark starts a system of its own.
    const bench = spawn(
      process.execPath,
      ['tools/bench/main.ts', '--only', c.only, '--duration', '5', '--gateway-url', 'http://127.0.0.1:9', '--out', out],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const exited = new Promise<number | null>((resolve) => bench.once('exit', (code) => resolve(code)));
    let said = '';
    bench.stderr.on('data', (chunk: Buffer) => (said += chunk.toString()));
    const ended = exited.then((code) => {
      throw new Error(`the benchmark ended (${code}) before its helper ran:\n${said}`);
    });
    ended.catch(() => {});
    const pid = bench.pid as number;
    const [helper] = await Promise.race([
      waitFor(c.helper, () => {
        const found = startedBy(pid, c.pattern);
        return found.length > 0 ? found : undefined;
      }),
      ended,
    ]);
    assert.ok(helper);
    const scratch = c.helper === 'pgbench' ? databaseOf(helper.pid) : undefined;
    // The Redis yardstick is given its Redis and the key it reads: the last two words of its command line.
    const [redisUrl, redisKey] = c.helper === 'pgbench' ? [] : helper.cmd.trim().split(' ').slice(-2);
    const services = startedBy(pid, SERVICE);
    assert.ok(services.length >= 5, `services started: ${services.map((s) => s.cmd).join('; ')}`);

    if (c.how === 'SIGTERM') bench.kill('SIGTERM');
    else {
      bench.stdout.destroy();
      bench.stderr.destroy();
    }
    assert.equal(await exited, c.code);
    assert.deepEqual(
      [...services, helper].filter((s) => alive(s.pid)).map((s) => s.cmd),
      [],
      'the services and helpers the benchmark started are stopped when it ends',
    );
    if (redisUrl && redisKey) {
      assert.match(redisKey, /^shipshape:bench:yardstick:/);
      const redis = new Redis(redisUrl);
      try {
        assert.equal(await redis.exists(redisKey), 0, `the Redis key ${redisKey} is deleted`);
      } finally {
        redis.disconnect();
      }
    }
    if (scratch) {
      assert.match(scratch, /^shipshape_pgbench_/);
      // The server the benchmark runs pgbench on: its --database-url default.
      const client = new pg.Client({
        connectionString: process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres',
      });
      await client.connect();
      try {
        const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [scratch]);
        assert.equal(rowCount, 0, `the scratch database ${scratch} is dropped`);
      } finally {
        await client.end();
      }
    }
  });
}
