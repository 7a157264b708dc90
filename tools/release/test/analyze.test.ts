// The CLI the deploy workflow runs, against a real Prometheus that has nothing about the service: the gate must not
// pass a release it cannot see, and must say so in its output, its exit code and the job summary.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startPrometheus, type Prometheus } from '../../check-observability/lib/prometheus.ts';
import { freePort } from '../../dev/ports.ts';
import { queryValue } from '../gate.ts';

const MAIN = join(import.meta.dirname, '..', 'main.ts');
let prom: Prometheus;
const dir = mkdtempSync(join(tmpdir(), 'shipshape-analyze-'));

before(async () => {
  prom = await startPrometheus({ scrapeConfigs: [] });
});
after(async () => {
  await prom?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [MAIN, ...args], { env: { ...process.env, ...env } });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('close', (code) => resolve({ code, out }));
  });
}

test('when Prometheus has no series of the service, then every measurement is Inconclusive and the release is rolled back (exit 2)', async () => {
  const summary = join(dir, 'summary.md');
  const r = await cli(
    ['analyze', '--prometheus', prom.url, '--service', 'products', '--profile', 'rehearsal', '--summary', summary],
    { GITHUB_STEP_SUMMARY: '' },
  );
  assert.equal(r.code, 2, r.out);
  assert.match(r.out, /measurement 1\/4: Inconclusive +canary requests none/);
  assert.match(r.out, /verdict: Inconclusive/);
  assert.match(r.out, /release verdict: Inconclusive → roll back/);
  const md = readFileSync(summary, 'utf8');
  assert.match(md, /### Canary of products: Inconclusive → roll back/);
  assert.match(md, /\| 1 \| Inconclusive \| none \|/);
});

test('when Prometheus cannot be reached, then the gate is Inconclusive, never a pass', async () => {
  const r = await cli([
    'analyze',
    '--prometheus',
    `http://127.0.0.1:${await freePort()}`,
    '--service',
    'products',
    '--profile',
    'rehearsal',
  ]);
  assert.equal(r.code, 2, r.out);
  assert.match(r.out, /measurement 1\/4: Inconclusive/);
});

test('when arguments are missing or the profile unknown, then it prints the usage and exits 64', async () => {
  assert.equal((await cli(['analyze', '--service', 'products'])).code, 64);
  const r = await cli(['analyze', '--prometheus', prom.url, '--service', 'products', '--profile', 'nope']);
  assert.equal(r.code, 64, r.out);
  assert.match(r.out, /no profile nope/);
  assert.equal((await cli(['launch'])).code, 64);
});

test('when a query returns no series, NaN, a number or several series, then the gate reads none, NaN, the number, or an error', async () => {
  assert.equal(await queryValue(prom.url, 'up{job="nothing-here"}'), undefined);
  assert.ok(Number.isNaN(await queryValue(prom.url, 'vector(0) / 0')));
  assert.equal(await queryValue(prom.url, 'vector(0.25)'), 0.25);
  assert.equal(await queryValue(prom.url, 'scalar(vector(3))'), 3);
  await assert.rejects(
    queryValue(prom.url, 'label_replace(vector(1), "a", "x", "", "") or label_replace(vector(2), "a", "y", "", "")'),
    /2 series/,
  );
  await assert.rejects(queryValue(prom.url, 'sum(('), /query failed/);
});
