// The system under load: the one already running at the given URLs, or one started here for the run.
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { databaseUrlFor, withClient } from './database.ts';
import { parseGcEvent, type FullCollection } from './gc-events.ts';

export interface ServiceUrls {
  gateway: string;
  users: string;
  products: string;
  orders: string;
  conduit: string;
}

export interface SystemUnderTest {
  urls: ServiceUrls;
  /** An admin token, and a user token the benchmark signs up as (the one place tools get tokens: findTokens). */
  tokens: { admin: string; user: string } | undefined;
  /** True when the benchmark started the system itself (and stops it at the end). */
  startedHere: boolean;
  /**
   * VACUUM (ANALYZE) of the system's database, before each order scenario (only for a system started here on
   * PostgreSQL): pgbench vacuums its own tables before each run, and a server whose autovacuum is off (as CI servers
   * often are) would otherwise make each order scenario pay for the dead rows of the ones before it.
   */
  vacuum?(): Promise<void>;
  /** Each service's process id (only for a system started here, whose processes are on this machine). */
  pids?(): Record<keyof ServiceUrls, number | undefined>;
  /**
   * The full collections each service has made since it started, from the lines gc-events.ts writes (only for a
   * system started here).
   */
  fullCollections?(): Record<keyof ServiceUrls, FullCollection[]>;
  /** The last lines a service wrote that are not routine request logs (only for a system started here). */
  lastWords?(service: keyof ServiceUrls): string[];
  stop(): Promise<void>;
}

export const BENCH_DATABASE = 'shipshape_bench';

export async function isReady(baseUrl: string): Promise<boolean> {
  try {
    const response = await fetch(`${baseUrl}/ready`, { signal: AbortSignal.timeout(2000) });
    await response.arrayBuffer();
    return response.ok;
  } catch {
    return false;
  }
}

/** Recreates the benchmark database next to the one `databaseUrl` names, and returns its URL. */
export async function freshBenchDatabase(databaseUrl: string): Promise<string> {
  await withClient(databaseUrl, async (client) => {
    await client.query(`DROP DATABASE IF EXISTS ${BENCH_DATABASE} WITH (FORCE)`);
    await client.query(`CREATE DATABASE ${BENCH_DATABASE}`);
  });
  return databaseUrlFor(databaseUrl, BENCH_DATABASE);
}

export interface StartOptions {
  /** dynamodb: orders and products on a DynamoDB Local started (and stopped) with the system. */
  store?: 'postgres' | 'dynamodb';
  databaseUrl: string;
  redisUrl: string | undefined;
  env: Record<string, string>;
  /** Each service writes a V8 CPU profile into <profileDir>/<service>/ when it stops. */
  profileDir?: string | undefined;
}

/** VACUUM (ANALYZE) of every table of the database `databaseUrl` names. */
export async function vacuumDatabase(databaseUrl: string): Promise<void> {
  await withClient(databaseUrl, (client) => client.query('VACUUM (ANALYZE)'));
}

/** Starts the whole system with the development launcher against a fresh benchmark database. */
export async function startSystem(options: StartOptions): Promise<SystemUnderTest> {
  const databaseUrl = await freshBenchDatabase(options.databaseUrl);
  const { startStack } = await import('../dev/stack.ts');
  let dynamo: { stop(): Promise<void> } | undefined;
  let dynamodb: import('../db/dynamodb-tables.ts').DynamoTarget | undefined;
  if (options.store === 'dynamodb') {
    const { startDynamoDbLocal } = await import('../dev/dynamodb-local.ts');
    const local = await startDynamoDbLocal();
    dynamo = local;
    dynamodb = {
      endpoint: local.endpoint,
      region: 'us-east-1',
      tables: { orders: 'shipshape-bench-orders', products: 'shipshape-bench-catalog' },
    };
  }
  const { SERVICES, SERVICE_NODE_OPTIONS } = await import('../dev/stack.ts');
  const profiled = options.profileDir;
  // Every service reports its full collections (gc-events.ts), so that each slow order can be placed against them.
  const gcEventsFile = join(import.meta.dirname, 'gc-events.ts');
  const gcEvents = `--import=${pathToFileURL(gcEventsFile).href}`;
  const stack = await startStack({
    databaseUrl,
    dynamodb,
    // The preload is TypeScript too: from the compile cache, it does not load Node's stripper into every service.
    cacheModules: [gcEventsFile],
    env: { ...options.env, SHIPSHAPE_BENCH_GC_EVENTS: '1' },
    serviceEnv: Object.fromEntries(
      SERVICES.map((s) => [
        s,
        {
          NODE_OPTIONS: [
            SERVICE_NODE_OPTIONS,
            gcEvents,
            profiled ? `--cpu-prof --cpu-prof-dir=${join(profiled, s)}` : '',
          ]
            .filter(Boolean)
            .join(' '),
        },
      ]),
    ),
    ...(options.redisUrl ? { redisUrl: options.redisUrl } : {}),
  });
  const routine = /"msg":"(incoming request|request completed)"|^shipshape-bench-gc /;
  return {
    urls: stack.urls,
    tokens: { admin: stack.adminToken, user: await stack.userToken(randomUUID()) },
    startedHere: true,
    ...(options.store === 'dynamodb' ? {} : { vacuum: () => vacuumDatabase(databaseUrl) }),
    pids: () => ({
      gateway: stack.pid('gateway'),
      users: stack.pid('users'),
      products: stack.pid('products'),
      orders: stack.pid('orders'),
      conduit: stack.pid('conduit'),
    }),
    fullCollections: () => {
      const out = {} as Record<keyof ServiceUrls, FullCollection[]>;
      for (const s of SERVICES) out[s] = stack.logs[s].map(parseGcEvent).filter((e) => e !== undefined);
      return out;
    },
    lastWords: (service) => stack.logs[service].filter((line) => !routine.test(line)).slice(-8),
    stop: async () => {
      await stack.stop();
      await dynamo?.stop();
    },
  };
}
