// A benchmark run that started its own system and ends early (a signal, or a reader of its output that went away)
// stops that system first: no service is left running without it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

/** The processes `parent` started that run one of the services (other tests may run services of their own). */
function servicesStartedBy(parent: number): { pid: number; cmd: string }[] {
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
    if (ppid === parent && /services\/\w+\/src\/server\.ts/.test(cmd)) found.push({ pid: Number(entry), cmd });
  }
  return found;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

for (const how of ['SIGTERM', 'a closed output'] as const) {
  test(`when a run that started its own system gets ${how}, then it ends and every service it started stops`, {
    timeout: 150_000,
  }, async () => {
    const out = await mkdtemp(join(tmpdir(), 'bench-interrupt-'));
    // Nothing answers on port 9, so the benchmark starts a system of its own.
    const bench = spawn(
      process.execPath,
      [
        'tools/bench/main.ts',
        '--only',
        'orders',
        '--duration',
        '2',
        '--gateway-url',
        'http://127.0.0.1:9',
        '--out',
        out,
      ],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const exited = new Promise<number | null>((resolve) => bench.once('exit', (code) => resolve(code)));
    let said = '';
    await new Promise<void>((resolve, reject) => {
      bench.stderr.on('data', (chunk: Buffer) => {
        said += chunk.toString();
        if (said.includes('Scenarios:')) resolve();
      });
      void exited.then((code) => reject(new Error(`the benchmark ended (${code}) before its scenarios:\n${said}`)));
    });
    const started = servicesStartedBy(bench.pid as number);
    assert.ok(started.length >= 5, `services started: ${started.map((s) => s.cmd).join('; ')}`);

    if (how === 'SIGTERM') bench.kill('SIGTERM');
    else {
      bench.stdout.destroy();
      bench.stderr.destroy();
    }
    assert.equal(await exited, how === 'SIGTERM' ? 143 : 1);
    assert.deepEqual(
      started.filter((s) => alive(s.pid)).map((s) => s.cmd),
      [],
      'the services the benchmark started are stopped when it ends',
    );
  });
}
