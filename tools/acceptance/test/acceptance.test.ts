// Runs the real command (`node tools/acceptance/main.ts`) against an in-memory stub gateway: it must accept a system
// that follows the API, leave it as it found it, and reject each kind of wrong system naming the failed check.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import { signToken } from '../token.ts';
import { startStubSystem, type Fault } from './stub-system.ts';

const MAIN = fileURLToPath(new URL('../main.ts', import.meta.url));
const SECRET = 'acceptance-test-secret-0123456789';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

interface JsonReport {
  ok: boolean;
  passed: number;
  failed: number;
  skipped: number;
  checks: { name: string; outcome: string; detail?: string }[];
}

function runSuite(args: string[], env: Record<string, string>): Promise<Run> {
  const base: Record<string, string> = { PATH: process.env.PATH ?? '', NO_COLOR: '1' };
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [MAIN, ...args],
      { env: { ...base, ...env }, timeout: 60_000 },
      (err, stdout, stderr) => {
        const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

async function acceptStub(
  faults: Fault[] = [],
  env: Record<string, string> = { JWT_SECRET: SECRET },
  extraArgs: string[] = [],
) {
  const stub = await startStubSystem(SECRET, faults);
  try {
    const run = await runSuite(['--base-url', stub.url, '--json', ...extraArgs], env);
    const report = run.stdout ? (JSON.parse(run.stdout) as JsonReport) : undefined;
    return { run, report, users: stub.users.size, products: stub.products.size, orders: [...stub.orders.values()] };
  } finally {
    await stub.close();
  }
}

const failedNames = (report: JsonReport | undefined) =>
  report?.checks.filter((c) => c.outcome === 'fail').map((c) => c.name) ?? [];

describe('acceptance suite', () => {
  test('when a system has no sample data, then --unseeded accepts it and the default run names the missing seed', async () => {
    const unseeded = await acceptStub(['unseeded'], { JWT_SECRET: SECRET }, ['--unseeded']);
    assert.equal(unseeded.run.code, 0, unseeded.run.stdout + unseeded.run.stderr);
    assert.equal(unseeded.report?.failed, 0);
    assert.equal(unseeded.users, 0, 'it leaves the system as it found it');
    const strict = await acceptStub(['unseeded']);
    assert.equal(strict.run.code, 1);
    assert.ok(failedNames(strict.report).includes('GET /users?limit=2 lists seeded users with a nextCursor'));
  });

  test('when the system follows the API, then every check passes, it exits 0 and leaves only a cancelled order', async () => {
    const { run, report, users, products, orders } = await acceptStub();
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.ok(report?.ok);
    assert.equal(report.failed + report.skipped, 0, JSON.stringify(failedNames(report)));
    assert.ok(report.passed >= 25, `expected at least 25 checks, got ${report.passed}`);
    assert.equal(users, 1, 'the user it created is gone');
    assert.equal(products, 1, 'the product it created is gone');
    assert.deepEqual(
      orders.map((o) => o.status),
      ['cancelled'],
    );
  });

  test('when given an admin token instead of the secret, then it uses it and passes', async () => {
    const token = signToken(SECRET, { sub: 'ci', role: 'admin' });
    const { run } = await acceptStub([], { ACCEPTANCE_ADMIN_TOKEN: token });
    assert.equal(run.code, 0, run.stdout + run.stderr);
  });

  const faults: [Fault, string][] = [
    [
      'no-replay-header',
      'POST /orders replayed with the same key returns the same response, Idempotent-Replayed: true',
    ],
    [
      'replay-creates-new-order',
      'POST /orders replayed with the same key returns the same response, Idempotent-Replayed: true',
    ],
    ['stock-not-reserved', 'stock moved: the product has 3 left'],
    ['stock-not-restored', 'stock restored: the product has 5 again'],
    ['cancel-not-idempotent', 'POST /orders/:id/cancel again is idempotent'],
    ['internal-routed', '/internal/... is not routed by the gateway (404 problem)'],
    ['plain-json-errors', 'POST /users with invalid fields is a 400 problem naming them'],
    ['no-request-id', 'X-Request-ID is echoed back'],
    ['stale-cache-after-patch', 'PATCH /users/:id is seen by the next (cached) read'],
    ['delete-keeps-user', 'DELETE /users/:id removes the user created'],
    ['dies-on-hangup', 'the gateway keeps serving after clients hang up mid-request'],
  ];
  for (const [fault, check] of faults) {
    test(`when the system has the fault "${fault}", then it exits 1 and "${check}" fails`, async () => {
      const { run, report } = await acceptStub([fault]);
      assert.equal(run.code, 1, run.stdout + run.stderr);
      assert.equal(report?.ok, false);
      assert.ok(failedNames(report).includes(check), `failed: ${JSON.stringify(failedNames(report))}`);
    });
  }

  test('when the token is signed with another secret, then creating the product fails and the order checks are skipped', async () => {
    const { run, report, products } = await acceptStub([], { JWT_SECRET: 'a-different-secret-0123456789' });
    assert.equal(run.code, 1);
    assert.ok(failedNames(report).includes('POST /products (admin) creates a product with stock 5'));
    assert.ok((report?.skipped ?? 0) > 5);
    assert.equal(products, 1);
  });

  test('when run without --json, then it prints one line per check with its mark and time, and the verdict', async () => {
    const stub = await startStubSystem(SECRET, ['no-request-id']);
    try {
      const run = await runSuite(['--base-url', stub.url], { JWT_SECRET: SECRET });
      assert.equal(run.code, 1);
      assert.match(run.stdout, /^ {2}✓ +\d+ ms {2}GET \/health answers 200 \(live\)$/m);
      assert.match(
        run.stdout,
        /^ {2}✗ +\d+ ms {2}X-Request-ID is echoed back\n +expected the X-Request-ID response header/m,
      );
      assert.match(run.stdout, /NOT ACCEPTED: \d+ passed, 1 failed, 0 skipped/);
    } finally {
      await stub.close();
    }
  });

  test('when BASE_URL is set, then it is the default target', async () => {
    const stub = await startStubSystem(SECRET);
    try {
      const run = await runSuite(['--json'], { JWT_SECRET: SECRET, BASE_URL: stub.url });
      assert.equal(run.code, 0, run.stdout + run.stderr);
      assert.equal((JSON.parse(run.stdout) as { baseUrl: string }).baseUrl, stub.url);
    } finally {
      await stub.close();
    }
  });

  test('when nothing listens at the base URL, then it exits 2 with a one-line explanation', async () => {
    const stub = await startStubSystem(SECRET);
    const url = stub.url;
    await stub.close();
    const run = await runSuite(['--base-url', url], { JWT_SECRET: SECRET });
    assert.equal(run.code, 2);
    assert.match(run.stderr, /^acceptance: cannot reach http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED[^\n]*\n$/);
  });

  test('when neither an admin token nor the JWT secret is given for a remote system, then it exits 2 saying which to set', async () => {
    const run = await runSuite(['--base-url', 'http://192.0.2.1:9'], {});
    assert.equal(run.code, 2);
    assert.match(run.stderr, /ACCEPTANCE_ADMIN_TOKEN.*JWT_SECRET/);
  });
});
