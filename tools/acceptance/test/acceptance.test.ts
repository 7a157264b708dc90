// Runs the real command (`node tools/acceptance/main.ts`) against an in-memory stub gateway: it must accept a system
// that follows the API, leave it as it found it, and reject each kind of wrong system naming the failed check.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { after, describe, test } from 'node:test';
import { verifierOf } from './issuer-verifier.ts';
import { DEV_ADMIN_SUB, DevIssuer } from '../../dev/issuer.ts';
import { startStubSystem, type Fault } from './stub-system.ts';

const MAIN = fileURLToPath(new URL('../main.ts', import.meta.url));
const issuer = await DevIssuer.create();
await issuer.listen();
const verifier = verifierOf(issuer);
/** What a real issuer would hand the suite: an admin token and a token for a user without a record yet. */
const tokens = async (): Promise<Record<string, string>> => ({
  ACCEPTANCE_ADMIN_TOKEN: await issuer.mint({ sub: DEV_ADMIN_SUB, admin: true }),
  ACCEPTANCE_USER_TOKEN: await issuer.mint({ sub: crypto.randomUUID() }),
});

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

async function acceptStub(faults: Fault[] = [], env?: Record<string, string>, extraArgs: string[] = []) {
  const stub = await startStubSystem(verifier, faults);
  env ??= await tokens();
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

after(() => issuer.close());

describe('acceptance suite', () => {
  test('when a system has no sample data, then --unseeded accepts it and the default run names the missing seed', async () => {
    const unseeded = await acceptStub(['unseeded'], await tokens(), ['--unseeded']);
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

  test('when the system enforces who may call what, then the suite sees 401, 403 and 404 where it expects them', async () => {
    const { report } = await acceptStub();
    for (const name of [
      'GET /users without a token is a 401 problem',
      'GET /users with a user token is a 403 problem',
      'GET /users/:id of someone else with a user token is a 404 problem',
      'POST /orders for another user is a 403 problem',
      'a forged token is a 401 problem',
    ])
      assert.ok(
        report?.checks.some((c) => c.name === name && c.outcome === 'pass'),
        name,
      );
  });

  test('when the user token is a user that already has a record, then sign-up fails saying so', async () => {
    const env = await tokens();
    const stub = await startStubSystem(verifier);
    try {
      const first = await runSuite(['--base-url', stub.url, '--json'], env);
      assert.equal(first.code, 0, first.stdout);
      // A record left behind by an interrupted run.
      const sub = JSON.parse(Buffer.from(env.ACCEPTANCE_USER_TOKEN!.split('.')[1]!, 'base64url').toString()).sub;
      stub.users.set(sub, { id: sub, name: 'Left', email: 'left@example.com', createdAt: '', updatedAt: '' });
      const again = await runSuite(['--base-url', stub.url, '--json'], env);
      assert.equal(again.code, 1);
      assert.match(again.stdout, /already has a record/);
    } finally {
      await stub.close();
    }
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
    ['delete-keeps-user', 'DELETE /users/:id (the user themself) removes the user created'],
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

  test('when the admin token comes from another issuer, then creating the product fails and the order checks are skipped', async () => {
    const stranger = await DevIssuer.create({ issuer: issuer.issuer });
    const { run, report, products } = await acceptStub([], {
      ...(await tokens()),
      ACCEPTANCE_ADMIN_TOKEN: await stranger.mint({ sub: DEV_ADMIN_SUB, admin: true }),
    });
    assert.equal(run.code, 1);
    assert.ok(failedNames(report).includes('POST /products (admin) creates a product with stock 5'));
    assert.ok((report?.skipped ?? 0) > 5);
    assert.equal(products, 1);
  });

  test('when run without --json, then it prints one line per check with its mark and time, and the verdict', async () => {
    const stub = await startStubSystem(verifier, ['no-request-id']);
    try {
      const run = await runSuite(['--base-url', stub.url], await tokens());
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
    const stub = await startStubSystem(verifier);
    try {
      const run = await runSuite(['--json'], { ...(await tokens()), BASE_URL: stub.url });
      assert.equal(run.code, 0, run.stdout + run.stderr);
      assert.equal((JSON.parse(run.stdout) as { baseUrl: string }).baseUrl, stub.url);
    } finally {
      await stub.close();
    }
  });

  test('when nothing listens at the base URL, then it exits 2 with a one-line explanation', async () => {
    const stub = await startStubSystem(verifier);
    const url = stub.url;
    await stub.close();
    const run = await runSuite(['--base-url', url], await tokens());
    assert.equal(run.code, 2);
    assert.match(run.stderr, /^acceptance: cannot reach http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED[^\n]*\n$/);
  });

  test('when no tokens are given for a remote system, then it exits 2 saying which to set', async () => {
    const run = await runSuite(['--base-url', 'http://192.0.2.1:9'], {});
    assert.equal(run.code, 2);
    assert.match(run.stderr, /ACCEPTANCE_ADMIN_TOKEN.*ACCEPTANCE_USER_TOKEN/);
  });
});
