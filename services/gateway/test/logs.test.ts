// Runs the gateway as its own process, exactly as deployed, and reads its JSON log lines from stdout.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { startStub, type Stub } from './helpers/stub-upstream.ts';
import { closedPortUrl } from './helpers/gateway.ts';
import { adminToken, authEnv } from '../../../test/support/auth.ts';

const SERVER = join(import.meta.dirname, '..', 'src', 'server.ts');

interface LogLine {
  level: string;
  msg: string;
  requestId?: string;
  service?: string;
  traceId?: string;
  req?: { url?: string };
  [key: string]: unknown;
}

describe('gateway logs', () => {
  let users: Stub;
  let child: ChildProcessWithoutNullStreams;
  let base: string;
  const lines: LogLine[] = [];
  let stdout = '';
  let token: string;

  before(async () => {
    token = await adminToken();
    users = await startStub('users');
    const free = await closedPortUrl();
    base = free;
    child = spawn(process.execPath, [SERVER], {
      env: {
        PATH: process.env.PATH,
        PORT: new URL(free).port,
        METRICS_PORT: '0',
        HOST: '127.0.0.1',
        LOG_LEVEL: 'info',
        USERS_URL: users.url,
        PRODUCTS_URL: await closedPortUrl(),
        UPSTREAM_RETRIES: '0',
        SHUTDOWN_DRAIN_MS: '0',
        SHUTDOWN_TIMEOUT_MS: '5000',
        ...(await authEnv('gateway')),
      },
    });
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      stdout += chunk;
      const parts = stdout.split('\n');
      stdout = parts.pop() ?? '';
      for (const p of parts) if (p.trim()) lines.push(JSON.parse(p) as LogLine);
    });
    const deadline = Date.now() + 15_000;
    while (!lines.some((l) => /listening/i.test(l.msg))) {
      if (child.exitCode !== null) throw new Error(`the gateway exited with ${child.exitCode} before listening`);
      assert.ok(Date.now() < deadline, 'the gateway starts listening within 15 s');
      await new Promise((r) => setTimeout(r, 50));
    }
  });
  after(async () => {
    if (child.exitCode === null) {
      child.kill('SIGKILL');
      await once(child, 'exit');
    }
    await users.close();
  });

  test('when requests pass through, then every log line of a request carries its request id, and no line carries a credential', async () => {
    const ok = await fetch(`${base}/users?marker=log-ok`, {
      headers: { 'x-request-id': 'log-check-ok', authorization: `Bearer ${token}` },
    });
    assert.equal(ok.status, 200);
    const failed = await fetch(`${base}/products?marker=log-failed`, {
      headers: { 'x-request-id': 'log-check-failed' },
    });
    assert.equal(failed.status, 503);
    await new Promise((r) => setTimeout(r, 200));

    const of = (id: string) => lines.filter((l) => l.requestId === id);
    assert.deepEqual(
      of('log-check-ok').map((l) => l.msg),
      ['incoming request', 'request completed'],
    );
    const failedMessages = of('log-check-failed').map((l) => l.msg);
    assert.ok(
      failedMessages.includes('request failed'),
      `the failure is logged with the request id: ${failedMessages.join(' | ')}`,
    );
    for (const l of [...of('log-check-ok'), ...of('log-check-failed')]) {
      assert.equal(l.service, 'gateway');
      assert.match(String(l.traceId), /^[0-9a-f]{32}$/, `and its trace id: ${JSON.stringify(l)}`);
    }
    // A request's ids are made once, by whichever needs them first: its log lines and its call to users agree.
    const sent = String(users.calls().at(-1)?.headers.traceparent).split('-');
    for (const l of of('log-check-ok')) assert.equal(l.traceId, sent[1], `the trace sent on: ${JSON.stringify(l)}`);
    const aboutThem = lines.filter((l) => JSON.stringify(l).includes('marker=log-'));
    assert.ok(aboutThem.length >= 2);
    for (const l of aboutThem)
      assert.ok(
        l.requestId === 'log-check-ok' || l.requestId === 'log-check-failed',
        `line without request id: ${JSON.stringify(l)}`,
      );
    assert.equal(
      users.calls().at(-1)?.headers.authorization,
      `Bearer ${token}`,
      'the credential did reach the service',
    );
    assert.ok(!lines.some((l) => JSON.stringify(l).includes(token.split('.')[2] as string)), 'but never the logs');
  });

  test('when the process gets SIGTERM, then it drains and exits 0', async () => {
    child.kill('SIGTERM');
    const [code] = (await once(child, 'exit')) as [number | null];
    assert.equal(code, 0);
    assert.ok(lines.some((l) => l.msg === 'shutdown complete'));
  });
});
