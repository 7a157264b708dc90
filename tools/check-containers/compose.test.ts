import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  COMPOSE_FILE,
  COMPOSE_RULES,
  ENV_EXAMPLE,
  checkCompose,
  composeServices,
  interpolate,
  loadCompose,
  serviceEnv,
} from './lib/compose.ts';
import { formatFindings } from './lib/findings.ts';
import { SERVICE_CONTRACTS } from './lib/config-schemas.ts';
import { diskRepo, overlayRepo, type Repo } from './lib/repo.ts';

const repo = diskRepo();
const COMPOSE = repo.read(COMPOSE_FILE);
const ENV = repo.read(ENV_EXAMPLE);

/** Replaces `from` (which must occur exactly once) in the text. */
function edit(text: string, from: string, to: string): string {
  assert.equal(text.split(from).length, 2, `"${from}" must occur exactly once`);
  return text.replace(from, to);
}

interface Case {
  name: string;
  rules: string[];
  message: RegExp;
  compose?: [string, string][];
  env?: [string, string][];
  files?: Record<string, string | null>;
}

const CASES: Case[] = [
  {
    name: 'a service has a misspelt key',
    rules: ['compose-schema'],
    message: /\/services\/redis: unknown property "restarts"/,
    compose: [
      ['    restart: unless-stopped\n\n  # Applies every', '    restarts: unless-stopped\n\n  # Applies every'],
    ],
  },
  {
    name: 'the file is not YAML',
    rules: ['compose-schema'],
    message: /not valid YAML/,
    compose: [['name: shipshape\n', 'name: shipshape\n  bad: [\n']],
  },
  {
    name: 'a variable without a default is not in .env.example',
    rules: ['interpolation-undefined'],
    message: /\$\{PG_INITDB_ARGS\} has no default and \.env\.example does not set it/,
    compose: [
      [
        '      POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:?copy .env.example to .env}\n    volumes:',
        '      POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:?copy .env.example to .env}\n      POSTGRES_INITDB_ARGS: ${PG_INITDB_ARGS}\n    volumes:',
      ],
    ],
  },
  {
    name: '.env.example sets a variable compose never uses',
    rules: ['env-example-unused'],
    message: /UNUSED_SETTING is not used by compose\.yaml/,
    env: [['LOG_LEVEL=info\n', 'LOG_LEVEL=info\nUNUSED_SETTING=1\n']],
  },
  {
    name: 'depends_on names a service that does not exist',
    rules: ['depends-on-target'],
    message: /users depends on "cache", which is not a service/,
    compose: [
      [
        '      SERVICE_TRUSTED_CALLERS: ${SERVICE_TRUSTED_CALLERS:?copy .env.example to .env}\n    depends_on:\n      migrate:\n        condition: service_completed_successfully\n      redis:\n        condition: service_healthy\n\n  products:',
        '      SERVICE_TRUSTED_CALLERS: ${SERVICE_TRUSTED_CALLERS:?copy .env.example to .env}\n    depends_on:\n      migrate:\n        condition: service_completed_successfully\n      cache:\n        condition: service_healthy\n\n  products:',
      ],
    ],
  },
  {
    name: 'a service that always runs waits on one behind a profile',
    rules: ['depends-on-target'],
    message: /orders always runs but depends on jaeger, which only runs with --profile observability/,
    compose: [
      [
        '      PRODUCTS_URL: http://products:3002\n    depends_on:\n',
        '      PRODUCTS_URL: http://products:3002\n    depends_on:\n      jaeger:\n        condition: service_started\n',
      ],
    ],
  },
  {
    name: 'service_healthy waits on a job without a healthcheck',
    rules: ['depends-on-condition'],
    message: /users waits for migrate to be healthy, but migrate has no healthcheck/,
    compose: [
      [
        '    depends_on:\n      migrate:\n        condition: service_completed_successfully\n      redis:\n        condition: service_healthy\n\n  products:',
        '    depends_on:\n      migrate:\n        condition: service_healthy\n      redis:\n        condition: service_healthy\n\n  products:',
      ],
    ],
  },
  {
    name: 'service_completed_successfully waits on a job that is restarted',
    rules: ['depends-on-condition'],
    message: /waits for migrate to complete, but restart: unless-stopped/,
    compose: [
      [
        '    read_only: true\n    tmpfs:\n      - /tmp\n    restart: "no"\n\n  users:',
        '    read_only: true\n    tmpfs:\n      - /tmp\n    restart: unless-stopped\n\n  users:',
      ],
    ],
  },
  {
    name: 'an image has no tag',
    rules: ['image-pinned'],
    message: /redis: image "redis" has no tag/,
    compose: [['image: redis:8.2.2-alpine', 'image: redis']],
  },
  {
    name: 'an image uses latest',
    rules: ['image-pinned'],
    message: /jaeger: image "jaegertracing\/jaeger:latest" uses latest/,
    compose: [['jaegertracing/jaeger:2.10.0', 'jaegertracing/jaeger:latest']],
  },
  {
    name: 'the built images are tagged latest through .env.example',
    rules: ['image-pinned'],
    message: /image "shipshape\/users:latest" uses latest/,
    env: [['SHIPSHAPE_TAG=dev', 'SHIPSHAPE_TAG=latest']],
  },
  {
    name: 'a build points at a missing Dockerfile, so its healthcheck is unknown',
    rules: ['build-dockerfile', 'depends-on-condition'],
    message: /users builds services\/users\/Dockerfile, which does not exist/,
    compose: [
      [
        '      args:\n        SERVICE: users\n',
        '      dockerfile: services/users/Dockerfile\n      args:\n        SERVICE: users\n',
      ],
    ],
  },
  {
    name: 'a build of the service Dockerfile names no service, so its environment is not checked either',
    rules: ['build-args', 'depends-on-condition'],
    message: /users builds Dockerfile with SERVICE=user: name one of gateway, users, products, orders, conduit/,
    compose: [['        SERVICE: users\n', '        SERVICE: user\n']],
  },
  {
    name: 'a service image is built with the port of another service',
    rules: ['build-args'],
    message: /products builds the products image with PORT=3001, but products needs PORT=3002/,
    compose: [
      ['        SERVICE: products\n        PORT: "3002"\n', '        SERVICE: products\n        PORT: "3001"\n'],
    ],
  },
  {
    name: 'a service is given a variable its config schema does not declare',
    rules: ['env-declared'],
    message: /orders is given DATABSE_URL, which the orders service does not declare/,
    compose: [
      [
        '      USERS_URL: http://users:3001\n      PRODUCTS_URL: http://products:3002\n    depends_on:\n      migrate:',
        '      USERS_URL: http://users:3001\n      PRODUCTS_URL: http://products:3002\n      DATABSE_URL: postgres://postgres/shipshape\n    depends_on:\n      migrate:',
      ],
    ],
  },
  {
    name: 'the migrate job is given a variable the db tools do not read',
    rules: ['env-declared'],
    message: /migrate is given REDIS_HOST, which the db tooling \(tools\/db\) does not declare/,
    compose: [
      [
        '    environment:\n      <<: *database-env\n',
        '    environment:\n      <<: *database-env\n      REDIS_HOST: redis\n',
      ],
    ],
  },
  {
    name: 'a required variable is not set',
    rules: ['env-required'],
    message: /orders does not set SERVICE_PRIVATE_KEY, which the orders service requires/,
    compose: [['      SERVICE_PRIVATE_KEY: ${SERVICE_PRIVATE_KEY:?copy .env.example to .env}\n', '']],
    env: [[/^SERVICE_PRIVATE_KEY=.*\n/m.exec(ENV)?.[0] ?? 'SERVICE_PRIVATE_KEY=', '']],
  },
  {
    name: 'a secret is written into compose.yaml',
    rules: ['env-secret-literal'],
    message: /orders: SERVICE_PRIVATE_KEY is written into compose\.yaml/,
    compose: [
      [
        '      SERVICE_PRIVATE_KEY: ${SERVICE_PRIVATE_KEY:?copy .env.example to .env}\n',
        '      SERVICE_PRIVATE_KEY: MC4CAQAwBQYDK2VwBCIEIGj1KhF6DecIFlhkBxYSBePk5OPLJdmJAmbmBk5eJbQ2\n',
      ],
    ],
    env: [[/^SERVICE_PRIVATE_KEY=.*\n/m.exec(ENV)?.[0] ?? 'SERVICE_PRIVATE_KEY=', '']],
  },
  {
    name: 'a service URL has the wrong port',
    rules: ['service-url'],
    message: /gateway: ORDERS_URL=http:\/\/orders:3000, but orders listens on 3003/,
    compose: [['ORDERS_URL: http://orders:3003', 'ORDERS_URL: http://orders:3000']],
  },
  {
    name: 'a service URL names no service',
    rules: ['service-url'],
    message: /gateway: ORDERS_URL=http:\/\/order:3003 names no service/,
    compose: [['ORDERS_URL: http://orders:3003', 'ORDERS_URL: http://order:3003']],
  },
  {
    name: 'a service other than the gateway publishes a port',
    rules: ['published-ports'],
    message: /users publishes 127\.0\.0\.1:3001:3001/,
    compose: [
      [
        '    image: shipshape/users:${SHIPSHAPE_TAG:-dev}\n',
        '    image: shipshape/users:${SHIPSHAPE_TAG:-dev}\n    ports:\n      - "127.0.0.1:3001:3001"\n',
      ],
    ],
  },
  {
    name: 'a service has a writable root filesystem',
    rules: ['read-only'],
    message: /orders: set read_only: true and tmpfs: \[\/tmp\]/,
    compose: [
      [
        '    image: shipshape/orders:${SHIPSHAPE_TAG:-dev}\n',
        '    image: shipshape/orders:${SHIPSHAPE_TAG:-dev}\n    read_only: false\n',
      ],
    ],
  },
  {
    name: 'a mounted config file does not exist',
    rules: ['bind-mounts'],
    message: /prometheus mounts \.\/deploy\/compose\/prometheus\/prom\.yml, which does not exist/,
    compose: [['./deploy/compose/prometheus/prometheus.yml:', './deploy/compose/prometheus/prom.yml:']],
  },
];

function broken(c: Case): Repo {
  let compose = COMPOSE;
  for (const [from, to] of c.compose ?? []) compose = edit(compose, from, to);
  let env = ENV;
  for (const [from, to] of c.env ?? []) env = edit(env, from, to);
  assert.ok(compose !== COMPOSE || env !== ENV || c.files, 'the case must change something');
  return overlayRepo(repo, { [COMPOSE_FILE]: compose, [ENV_EXAMPLE]: env, ...c.files });
}

test('when compose.yaml and .env.example are checked, then no rule fires', () => {
  assert.equal(formatFindings(checkCompose(repo)), 'no findings');
});

for (const c of CASES) {
  test(`when ${c.name}, then ${c.rules.join(' and ')} fires`, () => {
    const findings = checkCompose(broken(c));
    assert.deepEqual([...new Set(findings.map((f) => f.rule))].sort(), [...c.rules].sort(), formatFindings(findings));
    assert.match(findings.map((f) => f.message).join('\n'), c.message);
  });
}

test('when the rules are listed, then each has a case that proves it fires', () => {
  const covered = new Set(CASES.flatMap((c) => c.rules));
  assert.deepEqual(
    COMPOSE_RULES.map((r) => r.id).filter((id) => !covered.has(id)),
    [],
  );
});

test('when each service is given its environment, then it is exactly what its config schema accepts, and the gateway alone is published', () => {
  const p = loadCompose(repo);
  const byName = new Map(composeServices(p).map((s) => [s.name, s]));
  for (const name of ['gateway', 'users', 'products', 'orders'] as const) {
    const s = byName.get(name);
    assert.ok(s, `${name} is a compose service`);
    assert.equal(s.contract, SERVICE_CONTRACTS[name], `${name} is checked against its own schema`);
    const env = serviceEnv(s, repo, p.env);
    for (const k of env.keys()) assert.ok(SERVICE_CONTRACTS[name].accepted.has(k), `${name}: ${k} is declared`);
  }
  const orders = byName.get('orders');
  assert.ok(orders);
  assert.equal(
    serviceEnv(orders, repo, p.env).get('SERVICE_PRIVATE_KEY'),
    repo.read(ENV_EXAMPLE).match(/^SERVICE_PRIVATE_KEY=(.*)$/m)?.[1],
  );
  assert.deepEqual(
    composeServices(p)
      .filter((s) => s.profiles.length === 0 && s.def.ports !== undefined)
      .map((s) => s.name),
    ['gateway'],
  );
});

test('when compose interpolates, then defaults, required values, alternatives and $$ behave as in docker compose', () => {
  const env = new Map([
    ['SET', 'value'],
    ['EMPTY', ''],
  ]);
  assert.deepEqual(interpolate('${SET:-d} ${EMPTY:-d} ${EMPTY-d} ${UNSET-d}', env), {
    value: 'value d  d',
    used: ['SET', 'EMPTY', 'EMPTY', 'UNSET'],
    missing: [],
  });
  assert.deepEqual(interpolate('${SET:?x}/${EMPTY:?x}/${UNSET?x}/$SET', env).missing, ['EMPTY', 'UNSET']);
  assert.equal(interpolate('${SET:+alt}|${EMPTY:+alt}|${EMPTY+alt}', env).value, 'alt||alt');
  assert.deepEqual(interpolate('$${SET} $$SET', env), { value: '${SET} $SET', used: [], missing: [] });
});
