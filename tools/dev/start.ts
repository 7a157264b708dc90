// `npm start`: the whole system on a laptop. Embedded PostgreSQL unless DATABASE_URL/POSTGRES_* point elsewhere;
// Redis if REDIS_URL/REDIS_HOST is set, otherwise each service caches in-process. Ctrl-C stops everything.
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { Redis } from 'ioredis';
import { Type } from '@sinclair/typebox';
import { ConfigError, loadConfig, redisEnv, redisUrl } from '@shipshape/platform/config';
import { databaseUrlFromEnv } from '../db/targets.ts';
import { migrateAll } from '../db/migrate.ts';
import { seed } from '../db/seed.ts';
import { DATA_ROOT, startEmbeddedPostgres, type EmbeddedDatabase } from './embedded-postgres.ts';
import { assertPortFree, PortInUse } from './ports.ts';
import { startStack, StartError, type Stack } from './stack.ts';

const t0 = performance.now();
const elapsed = () => `${((performance.now() - t0) / 1000).toFixed(1)}s`;
const say = (msg: string) => console.log(`[${elapsed()}] ${msg}`);
const die = (msg: string): never => {
  console.error(`✗ ${msg}`);
  process.exit(1);
};

const { values: args } = parseArgs({
  options: {
    fresh: { type: 'boolean', default: false },
    port: { type: 'string', default: process.env.GATEWAY_PORT ?? '3000' },
  },
});
const basePort = Number(args.port);
const externalDb = Boolean(process.env.DATABASE_URL || process.env.DATABASE_URL_FILE || process.env.POSTGRES_HOST);

let embedded: EmbeddedDatabase | undefined;
let stack: Stack | undefined;
let stopping = false;

async function shutdown(code: number) {
  if (stopping) return;
  stopping = true;
  console.log('\nstopping services…');
  await stack?.stop();
  if (embedded) {
    console.log('stopping PostgreSQL…');
    await embedded.stop().catch(() => {});
  }
  console.log('stopped.');
  process.exit(code);
}
process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));

try {
  const names = ['gateway', 'users', 'products', 'orders'];
  for (const [i, name] of names.entries()) await assertPortFree(basePort + i, name);

  let databaseUrl: string;
  if (externalDb) {
    databaseUrl = databaseUrlFromEnv();
    say(`using PostgreSQL at ${new URL(databaseUrl).host}`);
    const probe = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 3000 });
    await probe
      .connect()
      .catch((err: Error & { code?: string }) =>
        die(
          `PostgreSQL at ${new URL(databaseUrl).host} is unreachable (${err.code ?? err.message}); check DATABASE_URL / POSTGRES_*`,
        ),
      );
    await probe.end();
    if (args.fresh) {
      const c = new pg.Client({ connectionString: databaseUrl });
      await c.connect();
      await c.query(
        'DROP SCHEMA IF EXISTS orders CASCADE; DROP SCHEMA IF EXISTS catalog CASCADE; DROP SCHEMA IF EXISTS users CASCADE',
      );
      await c.end();
      say('--fresh: dropped the users, catalog and orders schemas');
    }
  } else {
    say(args.fresh ? 'starting embedded PostgreSQL (--fresh: wiping its data)' : 'starting embedded PostgreSQL');
    embedded = await startEmbeddedPostgres({ fresh: args.fresh, log: say });
    databaseUrl = embedded.url;
  }

  const redis = redisUrl(loadConfig(Type.Object(redisEnv)));
  if (redis) {
    const probe = new Redis(redis, {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
      connectTimeout: 2000,
    });
    await probe
      .connect()
      .catch((err: Error) =>
        die(
          `Redis at ${new URL(redis).host} is unreachable (${err.message}); check REDIS_URL / REDIS_HOST, or unset them to cache in-process`,
        ),
      );
    probe.disconnect();
    say(`using Redis at ${new URL(redis).host}`);
  } else {
    say('no REDIS_URL/REDIS_HOST: services cache in-process');
  }

  say('applying migrations');
  await migrateAll(databaseUrl);
  const count = new pg.Client({ connectionString: databaseUrl });
  await count.connect();
  const empty =
    (await count.query('SELECT (SELECT count(*) FROM users.users) + (SELECT count(*) FROM catalog.products) AS n'))
      .rows[0].n === '0';
  await count.end();
  if (empty) {
    const n = await seed(databaseUrl);
    say(`seeded ${n.users} users and ${n.products} products`);
  }

  mkdirSync(join(DATA_ROOT, 'logs'), { recursive: true });
  const secretFile = join(DATA_ROOT, 'dev-jwt-secret');
  if (!existsSync(secretFile)) writeFileSync(secretFile, randomBytes(32).toString('hex'), { mode: 0o600 });
  const jwtSecret = process.env.JWT_SECRET ?? readFileSync(secretFile, 'utf8').trim();
  const logFile = (svc: string) => join(DATA_ROOT, 'logs', `${svc}.log`);

  say('starting gateway, users, products and orders');
  stack = await startStack({
    databaseUrl,
    redisUrl: redis,
    basePort,
    jwtSecret,
    migrate: false,
    seed: false,
    passEnv: true,
    env: { COMPANY_NAME: process.env.COMPANY_NAME ?? 'Shipshape', LOG_LEVEL: process.env.LOG_LEVEL ?? 'info' },
    onLog: (svc, line) => {
      appendFileSync(logFile(svc), `${line}\n`);
      if (/"level":"(error|fatal)"/.test(line) || !line.startsWith('{')) console.error(`  ${svc}: ${line}`);
    },
  });
  say('all services ready');
  const u = stack.urls;
  console.log(`
  Shipshape is running.

  gateway    http://localhost:${stack.ports.gateway}        (the public entry)
  API docs   http://localhost:${stack.ports.gateway}/docs
  users      ${u.users}/docs
  products   ${u.products}/docs
  orders     ${u.orders}/docs
  database   ${embedded ? `embedded PostgreSQL, data in ${relative(process.cwd(), join(DATA_ROOT, 'postgres'))}` : new URL(databaseUrl).host}
  logs       ${relative(process.cwd(), join(DATA_ROOT, 'logs'))}/<service>.log

  Development admin token (role=admin, 12 h), for POST/PATCH/DELETE /products:
  ${stack.adminToken}

  Try:  curl -s localhost:${stack.ports.gateway}/products | head -c 300
  Test it:  npm run acceptance    Stop: Ctrl-C
`);
} catch (err) {
  if (err instanceof PortInUse || err instanceof StartError || err instanceof ConfigError) {
    console.error(`✗ ${err.message}`);
    await shutdown(1);
  }
  const e = err as Error & { code?: string };
  console.error(`✗ start failed: ${e.code ? `${e.code} ` : ''}${e.message}`);
  await shutdown(1);
}
