// `npm start`: the whole system on a laptop. Embedded PostgreSQL unless DATABASE_URL/POSTGRES_* point elsewhere;
// Redis if REDIS_URL/REDIS_HOST is set, otherwise each service caches in-process. Ctrl-C stops everything.
import { appendFileSync, mkdirSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { Redis } from 'ioredis';
import { Type } from '@sinclair/typebox';
import { ConfigError, loadConfig, redisEnv, redisUrl } from '@shipshape/platform/config';
import { databaseUrlFromEnv } from '../db/targets.ts';
import { migrateAll } from '../db/migrate.ts';
import { SEED_USERS, seed } from '../db/seed.ts';
import { DEV_ADMIN_SUB, DevIssuer, ProductionRefused, devIssuerPort } from './issuer.ts';
import { defaultTableName, type DynamoTarget } from '../db/dynamodb-tables.ts';
import { seedDynamoProducts } from './dynamodb-seed.ts';
import { startDynamoDbLocal, type DynamoDbLocal } from './dynamodb-local.ts';
import { migrateDynamoTarget } from './stack.ts';
import { DATA_ROOT, PostgresUnavailable, startEmbeddedPostgres, type EmbeddedDatabase } from './embedded-postgres.ts';
import { assertPortFree, PortInUse } from './ports.ts';
import { DB_SCHEMAS, REGISTRY, SERVICE_LIST, SERVICES, shiftedPort } from './services.ts';
import { type RestartEvent, StartError, startStack, type Stack } from './stack.ts';

const t0 = performance.now();
const elapsed = () => `${((performance.now() - t0) / 1000).toFixed(1)}s`;
const say = (msg: string) => console.log(`[${elapsed()}] ${msg}`);
const die = (msg: string): never => {
  console.error(`✗ ${msg}`);
  process.exit(1);
};
/** A failure after something was started: reported in one line, then everything started is stopped. */
class LaunchError extends Error {}
const fail = (msg: string): never => {
  throw new LaunchError(msg);
};

function parse() {
  try {
    return parseArgs({
      options: {
        fresh: { type: 'boolean', default: false },
        port: { type: 'string', default: process.env.GATEWAY_PORT ?? String(REGISTRY.gateway.port) },
        'data-dir': { type: 'string', default: DATA_ROOT },
      },
    }).values;
  } catch (err) {
    return die(`${(err as Error).message}; usage: npm start [-- --port <gateway port>] [--fresh] [--data-dir <dir>]`);
  }
}
const args = parse();
const basePort = Number(args.port);
if (!Number.isInteger(basePort) || basePort < 1 || basePort > 65535 - 10)
  die(`--port ${args.port} is not a port number (the gateway's; the other services take the ports after it)`);
const dataRoot = args['data-dir'];
const externalDb = Boolean(process.env.DATABASE_URL || process.env.DATABASE_URL_FILE || process.env.POSTGRES_HOST);

let embedded: EmbeddedDatabase | undefined;
let dynamoLocal: DynamoDbLocal | undefined;
let stack: Stack | undefined;
let stopping = false;

async function shutdown(code: number) {
  if (stopping) return;
  stopping = true;
  if (!stack && !embedded) process.exit(code);
  console.log('\nstopping services…');
  await stack?.stop();
  if (dynamoLocal) {
    console.log('stopping DynamoDB Local…');
    await dynamoLocal.stop().catch(() => {});
  }
  if (embedded) {
    console.log('stopping PostgreSQL…');
    await embedded.stop().catch(() => {});
  }
  console.log('stopped.');
  process.exit(code);
}
/** Every failure is one line naming the cause; the details of a service that would not start are in its log. */
function failure(err: unknown): string {
  if (
    err instanceof LaunchError ||
    err instanceof PortInUse ||
    err instanceof ConfigError ||
    err instanceof PostgresUnavailable ||
    err instanceof ProductionRefused
  )
    return err.message;
  if (err instanceof StartError) {
    const [first] = err.message.split('\n');
    const service = SERVICES.find((s) => first?.startsWith(`${s} `));
    return service ? `${first} (see ${relative(process.cwd(), join(dataRoot, 'logs', `${service}.log`))})` : `${first}`;
  }
  if (err instanceof Error) {
    const code = (err as Error & { code?: unknown }).code;
    return `start failed: ${typeof code === 'string' ? `${code} ` : ''}${err.message.split('\n')[0]}`;
  }
  return `start failed: ${String(err)}`;
}

function reportRestart(e: RestartEvent): void {
  if (stopping) return;
  if (e.phase === 'exited')
    say(`${e.service} exited (${e.exit}); restarting it in ${(e.delayMs / 1000).toFixed(1)} s (restart ${e.attempt})`);
  else if (e.phase === 'ready') say(`${e.service} restarted and ready (pid ${stack?.pid(e.service)})`);
  else say(`${e.service} did not come back (${e.reason}); trying again`);
}

// embedded-postgres hooks these signals to stop its servers and exit 130 at once; the launcher stops everything itself,
// services first, and exits 0.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.removeAllListeners(signal);
process.on('SIGINT', () => void shutdown(0));
process.on('uncaughtException', (err) => {
  console.error(`✗ ${failure(err)}`);
  void shutdown(1);
});
process.on('SIGTERM', () => void shutdown(0));
process.on('SIGHUP', () => void shutdown(0));

try {
  for (const name of SERVICES) await assertPortFree(shiftedPort(name, basePort), name);
  await assertPortFree(devIssuerPort(basePort), 'development token issuer');

  let databaseUrl: string;
  if (externalDb) {
    databaseUrl = databaseUrlFromEnv();
    say(`using PostgreSQL at ${new URL(databaseUrl).host}`);
    const probe = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 3000 });
    await probe
      .connect()
      .catch((err: Error & { code?: string }) =>
        fail(
          `PostgreSQL at ${new URL(databaseUrl).host} is unreachable (${err.code ?? err.message}); check DATABASE_URL / POSTGRES_*`,
        ),
      );
    await probe.end();
    if (args.fresh) {
      const c = new pg.Client({ connectionString: databaseUrl });
      await c.connect();
      await c.query(DB_SCHEMAS.map((schema) => `DROP SCHEMA IF EXISTS ${schema} CASCADE`).join('; '));
      await c.end();
      say(`--fresh: dropped the ${DB_SCHEMAS.join(', ')} schemas`);
    }
  } else {
    say(args.fresh ? 'starting embedded PostgreSQL (--fresh: wiping its data)' : 'starting embedded PostgreSQL');
    embedded = await startEmbeddedPostgres({ fresh: args.fresh, dataRoot, log: say });
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
        fail(
          `Redis at ${new URL(redis).host} is unreachable (${err.message}); check REDIS_URL / REDIS_HOST, or unset them to cache in-process`,
        ),
      );
    probe.disconnect();
    say(`using Redis at ${new URL(redis).host}`);
  } else {
    say('no REDIS_URL/REDIS_HOST: services cache in-process');
  }

  // STORE=dynamodb: orders and products keep their data in DynamoDB (users stay in PostgreSQL). Without
  // DYNAMODB_ENDPOINT, DynamoDB Local runs here, its data kept in .data/dynamodb.
  let dynamodb: DynamoTarget | undefined;
  if (process.env.STORE === 'dynamodb') {
    let endpoint = process.env.DYNAMODB_ENDPOINT;
    if (!endpoint) {
      const dbPath = join(dataRoot, 'dynamodb');
      if (args.fresh) rmSync(dbPath, { recursive: true, force: true });
      mkdirSync(dbPath, { recursive: true });
      say('starting DynamoDB Local (STORE=dynamodb)');
      dynamoLocal = await startDynamoDbLocal({ dbPath });
      endpoint = dynamoLocal.endpoint;
    }
    dynamodb = {
      endpoint,
      region: process.env.AWS_REGION ?? 'us-east-1',
      tables: {
        orders: defaultTableName('orders', process.env.DYNAMODB_TABLE_PREFIX || 'shipshape'),
        products: defaultTableName('products', process.env.DYNAMODB_TABLE_PREFIX || 'shipshape'),
      },
    };
    say(`orders and products use DynamoDB at ${endpoint}`);
    await migrateDynamoTarget(dynamodb);
    const added = await seedDynamoProducts(dynamodb);
    if (added) say(`seeded ${added} products in DynamoDB`);
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
    say(`seeded ${n.users} users, ${n.products} products and ${n.articles} conduit articles`);
  }

  mkdirSync(join(dataRoot, 'logs'), { recursive: true });
  // The development issuer keeps its key in the data folder, so tokens from `npm run token` survive restarts.
  const issuerFile = join(dataRoot, 'dev-issuer.json');
  const issuer = await DevIssuer.loadOrCreate(issuerFile);
  await issuer.listen(devIssuerPort(basePort));
  issuer.save(issuerFile);
  say(`development token issuer at ${issuer.jwksUrl}`);
  const logFile = (svc: string) => join(dataRoot, 'logs', `${svc}.log`);

  say(`starting ${SERVICES.join(', ')}`);
  stack = await startStack({
    databaseUrl,
    dynamodb,
    redisUrl: redis,
    basePort,
    issuer,
    migrate: false,
    seed: false,
    passEnv: true,
    env: { COMPANY_NAME: process.env.COMPANY_NAME ?? 'Shipshape', LOG_LEVEL: process.env.LOG_LEVEL ?? 'info' },
    supervise: true,
    onRestart: reportRestart,
    onLog: (svc, line) => {
      appendFileSync(logFile(svc), `${line}\n`);
      if (/"level":"(error|fatal)"/.test(line) || !line.startsWith('{')) console.error(`  ${svc}: ${line}`);
    },
  });
  say('all services ready');
  const u = stack.urls;
  const seededUser = SEED_USERS[0];
  console.log(`
  Shipshape is running.

  gateway    http://localhost:${stack.ports.gateway}        (the public entry)
  API docs   http://localhost:${stack.ports.gateway}/docs
${SERVICE_LIST.filter((s) => s.name !== 'gateway')
  .map((s) => `  ${s.name.padEnd(10)} ${u[s.name]}/docs`)
  .join('\n')}
  store      ${dynamodb ? `orders and products in DynamoDB at ${dynamodb.endpoint}${dynamoLocal ? ` (DynamoDB Local, data in ${relative(process.cwd(), join(dataRoot, 'dynamodb'))})` : ''}` : 'PostgreSQL'}
  database   ${embedded ? `embedded PostgreSQL, data in ${relative(process.cwd(), join(dataRoot, 'postgres'))}` : new URL(databaseUrl).host}
  logs       ${relative(process.cwd(), join(dataRoot, 'logs'))}/<service>.log
  pids       ${SERVICES.map((s) => `${s} ${stack?.pid(s)}`).join(', ')} (a service that dies is restarted)

  Development tokens (12 h; more with: npm run token -- --user <id|email> [--admin]):
  admin (${DEV_ADMIN_SUB}), may do everything:
  ${stack.adminToken}
  user ${seededUser?.email ?? ''} (${seededUser?.id ?? ''}), may order and read their own orders:
  ${seededUser ? await issuer.mint({ sub: seededUser.id }) : ''}

  RealWorld API (conduit)  http://localhost:${stack.ports.gateway}/api
  sample logins: jake@example.com / jakejake, ada@example.com / analytical-engine

  Try:  curl -s localhost:${stack.ports.gateway}/products | head -c 300
        curl -s localhost:${stack.ports.gateway}/api/articles | head -c 300
  Test it:  npm run acceptance    Stop: Ctrl-C
`);
} catch (err) {
  console.error(`✗ ${failure(err)}`);
  await shutdown(1);
}
