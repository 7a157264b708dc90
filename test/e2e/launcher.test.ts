// npm start as a developer meets it: supervision of the services, a second start in the same checkout, PostgreSQL as
// root in a private directory, and Node older than 24. Every failure is one line naming the cause.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createInterface } from 'node:readline';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { waitFor } from '../support/http.ts';
import { freeStartBase } from '../support/ports.ts';
import { assertPostgresUserCanReach, startEmbeddedPostgres } from '../../tools/dev/embedded-postgres.ts';
import { freePort } from '../../tools/dev/ports.ts';
import { DOCKERFILE, REGISTRY, SERVICES, shiftedPort, type ServiceName } from '../../tools/dev/services.ts';
import {
  COMPILE_CACHE_DIR,
  fillServiceCompileCache,
  SERVICE_NODE_FLAGS,
  SERVICE_NODE_OPTIONS,
} from '../../tools/dev/stack.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const cleanups: Array<() => Promise<void> | void> = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

const tempDir = (prefix: string) => {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
};

/** A gateway port whose shifted service ports, and the development issuer's, are all free (checked by binding each). */

const oneLine = (stderr: string) => {
  const lines = stderr.trim().split('\n');
  assert.equal(lines.length, 1, stderr);
  assert.doesNotMatch(stderr, /^\s+at /m, 'no stack trace');
  return lines[0] ?? '';
};

const runStart = (args: string[], env: Record<string, string>) =>
  spawnSync(process.execPath, [join(ROOT, 'tools/dev/start.ts'), ...args], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });

test('when a service started by npm start dies, then the launcher says so and brings it back', async () => {
  const db: TestDatabase = await createTestDatabase({ migrate: false });
  cleanups.push(() => db.drop());
  const base = await freeStartBase();
  const data = tempDir('shipshape-start-');
  const launcher = spawn(
    process.execPath,
    [join(ROOT, 'tools/dev/start.ts'), '--port', String(base), '--data-dir', data],
    {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, DATABASE_URL: db.url, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const exited = new Promise<number | null>((resolve) => launcher.once('exit', (code) => resolve(code)));
  cleanups.push(async () => {
    if (launcher.exitCode === null) launcher.kill('SIGINT');
    await exited;
  });
  const out: string[] = [];
  createInterface({ input: launcher.stdout }).on('line', (l) => out.push(l));
  createInterface({ input: launcher.stderr }).on('line', (l) => out.push(l));

  await waitFor('all services ready', async () => out.some((l) => l.includes('all services ready')), 120_000).catch(
    (err: Error) => {
      throw new Error(`${err.message}; the launcher said:\n${out.join('\n')}`);
    },
  );
  const pids = await waitFor('the pids line', async () => out.find((l) => l.trim().startsWith('pids')));
  const usersPid = Number(/users (\d+)/.exec(pids)?.[1]);
  assert.ok(usersPid > 0, pids);
  const usersUrl = `http://127.0.0.1:${shiftedPort('users', base)}`;
  assert.equal((await fetch(`${usersUrl}/ready`)).status, 200);
  // Each service runs as its image runs it: with the V8 flags Node refuses in NODE_OPTIONS on the command line.
  const argv = (await readFile(`/proc/${usersPid}/cmdline`, 'utf8')).split('\0');
  for (const flag of SERVICE_NODE_FLAGS) assert.ok(argv.includes(flag), `users runs with ${flag}: ${argv.join(' ')}`);
  // and from the compile cache the launcher filled before it started them (the last test shows what that spares).
  const environ = (await readFile(`/proc/${usersPid}/environ`, 'utf8')).split('\0');
  assert.ok(environ.includes(`NODE_COMPILE_CACHE=${COMPILE_CACHE_DIR}`), 'users runs with the compile cache');

  process.kill(usersPid, 'SIGKILL');

  const said = await waitFor('the launcher to report the exit', async () =>
    out.find((l) => / users exited \(SIGKILL\); restarting it in 0\.5 s \(restart 1\)$/.test(l)),
  );
  assert.ok(said);
  const back = await waitFor(
    'users to be restarted',
    async () => out.find((l) => / users restarted and ready \(pid \d+\)$/.test(l)),
    60_000,
  );
  assert.notEqual(Number(/pid (\d+)/.exec(back)?.[1]), usersPid);
  // Sign-up is open to anyone, so it reaches users without a token.
  const res = await fetch(`http://127.0.0.1:${base}/users`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'Back', email: `back-${Date.now()}@example.com` }),
  });
  assert.equal(res.status, 201, 'the gateway reaches the restarted users service');

  launcher.kill('SIGINT');
  assert.equal(await exited, 0, out.join('\n'));
  assert.ok(out.includes('stopped.'), out.join('\n'));
});

test('when a second npm start finds .data/postgres held by a running instance, then one line says so and what to do', async () => {
  const data = tempDir('shipshape-data-');
  chmodSync(data, 0o755); // as root, PostgreSQL runs as the postgres user, who must enter it
  const first = await startEmbeddedPostgres({ dataRoot: data, port: await freePort() });
  cleanups.push(() => first.stop());

  const r = runStart(['--port', String(await freeStartBase()), '--data-dir', data], {
    EMBEDDED_POSTGRES_PORT: String(await freePort()),
  });
  assert.equal(r.status, 1);
  assert.match(
    oneLine(r.stderr),
    /^✗ \S+postgres is in use by a running PostgreSQL \(pid \d+, port \d+\), most likely another npm start in this checkout: stop that one \(Ctrl-C in its terminal\), or start this one with --data-dir <another directory>/,
  );
});

test('when npm start is given a bad option or port, then it exits 1 with one line and the usage', () => {
  const bad = runStart(['--prot', '3000'], {});
  assert.equal(bad.status, 1);
  assert.match(oneLine(bad.stderr), /^✗ Unknown option '--prot'.*; usage: npm start/);
  const port = runStart(['--port', 'abc'], {});
  assert.equal(port.status, 1);
  assert.match(oneLine(port.stderr), /^✗ --port abc is not a port number/);
});

const postgresUser = spawnSync('id', ['-u', 'postgres']).status === 0;
test('when run as root with the data in a private directory, then starting PostgreSQL fails at once with one line', {
  skip: process.getuid?.() !== 0 || !postgresUser ? 'needs root and a postgres user' : false,
}, async () => {
  const home = tempDir('shipshape-home-');
  const clone = join(home, 'shipshape');
  mkdirSync(clone, { recursive: true });
  chmodSync(home, 0o700);
  await assert.rejects(
    assertPostgresUserCanReach(join(clone, '.data', 'postgres')),
    /^Error: embedded PostgreSQL runs as the postgres user when started as root, and that user cannot reach its data directory \(.+\) because a parent directory is private: clone into a directory others can enter/,
  );

  // A test that starts a private PostgreSQL (test/support/servers.ts) under that directory fails the same way, fast.
  const started = Date.now();
  const r = spawnSync(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `import { startPrivatePostgres } from ${JSON.stringify(join(ROOT, 'test/support/servers.ts'))};
         try { await startPrivatePostgres(); } catch (err) { console.error(err.message); process.exit(1); }`,
    ],
    { env: { PATH: process.env.PATH, HOME: process.env.HOME, TMPDIR: clone }, encoding: 'utf8', timeout: 60_000 },
  );
  assert.equal(r.status, 1, r.stderr);
  assert.match(oneLine(r.stderr), /cannot reach its data directory/);
  assert.ok(Date.now() - started < 30_000, 'fails at once rather than waiting for PostgreSQL');
});

const oldNode = ['/usr/bin/node', '/usr/local/bin/node'].find(
  (n) => existsSync(n) && Number(spawnSync(n, ['-p', 'process.versions.node.split(".")[0]']).stdout) < 24,
);
test('when npm start or npm test run on a Node older than 24, then they run under Node 24 from the cache and say so in one line', {
  skip: oldNode ? false : 'no Node older than 24 on this machine',
}, () => {
  const bootstrap = join(ROOT, 'tools/dev/node24.mjs');
  const r = spawnSync(oldNode ?? 'node', [bootstrap, 'node', '-p', 'process.versions.node'], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME },
    encoding: 'utf8',
    timeout: 300_000,
  });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout.trim(), /^24\./);
  assert.match(
    oneLine(r.stderr),
    /^Node v\d+\.\d+\.\d+ is older than 24: running under Node v24\.\d+\.\d+ from \.cache\/node24/,
  );

  // Where Node 24 cannot be fetched (no npm here, nothing cached), one line says what is needed and how to get it.
  const elsewhere = tempDir('shipshape-node-');
  mkdirSync(join(elsewhere, 'tools', 'dev'), { recursive: true });
  copyFileSync(bootstrap, join(elsewhere, 'tools', 'dev', 'node24.mjs'));
  const offline = spawnSync(oldNode ?? 'node', [join(elsewhere, 'tools', 'dev', 'node24.mjs'), 'node', '-v'], {
    env: { PATH: '/nonexistent', HOME: process.env.HOME },
    encoding: 'utf8',
  });
  assert.equal(offline.status, 1);
  assert.match(
    oneLine(offline.stderr),
    /^✗ Shipshape needs Node 24 \(this is v\d+[.\d]*\); fetching node-\w+-\w+@24 from the npm registry failed \(.+\): install Node 24 \(https:\/\/nodejs\.org, or `nvm install 24`\)/,
  );
});

test('the registry gives every service its config default port, and metrics on port + 6000', () => {
  assert.ok(existsSync(join(ROOT, DOCKERFILE)), DOCKERFILE);
  for (const name of SERVICES) {
    assert.equal(REGISTRY[name].config.properties.PORT?.default, REGISTRY[name].port);
    assert.equal(REGISTRY[name].metricsPort, REGISTRY[name].port + 6000);
    assert.ok(existsSync(join(ROOT, REGISTRY[name].configModule)), REGISTRY[name].configModule);
  }
});

test('when a service never answers /ready, then the start fails naming it, with the last lines it logged', async () => {
  const { StartError, startStack } = await import('../../tools/dev/stack.ts');
  // Every "service" logs a line and then never listens, as one stuck before its listener would.
  const stuck = (name: string) =>
    spawn(process.execPath, ['-e', `console.log('${name}: waiting for a lock'); setInterval(() => {}, 1000);`], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  await assert.rejects(
    startStack({
      databaseUrl: 'postgres://unused.invalid/none',
      migrate: false,
      seed: false,
      launch: stuck,
      readyTimeoutMs: 1500,
    }),
    (err: Error) => {
      assert.ok(err instanceof StartError, err.message);
      assert.match(err.message, /^\w+ was not ready within 1500 ms \(.+\):\n\w+: waiting for a lock$/);
      return true;
    },
  );
});

test("when the launcher has filled the compile cache, then every service loads without Node's TypeScript stripper", async () => {
  const dir = tempDir('shipshape-compile-cache-');
  // What a service process loads, as the launcher starts it: its entry (which runs the service only as the entry
  // point) and every module that imports, with the services' V8 flags and the cache in `cache`.
  const stripperLoaded = (service: ServiceName, cache: string) => {
    const entry = pathToFileURL(join(ROOT, REGISTRY[service].entry)).href;
    const r = spawnSync(
      process.execPath,
      [
        ...SERVICE_NODE_FLAGS,
        '--input-type=module',
        '-e',
        `await import(${JSON.stringify(entry)}); console.log(process.moduleLoadList.some((m) => m.includes('amaro')))`,
      ],
      {
        cwd: ROOT,
        encoding: 'utf8',
        env: { PATH: process.env.PATH, NODE_OPTIONS: SERVICE_NODE_OPTIONS, NODE_COMPILE_CACHE: cache },
      },
    );
    assert.equal(r.status, 0, r.stderr);
    return r.stdout.trim();
  };
  // Without the cache filled, the check sees the stripper (it is what a service loaded before).
  assert.equal(stripperLoaded('users', tempDir('shipshape-compile-cache-empty-')), 'true');
  await fillServiceCompileCache(dir);
  for (const service of SERVICES) assert.equal(stripperLoaded(service, dir), 'false', `${service} loaded the stripper`);
});
