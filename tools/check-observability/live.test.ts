// The live proof: a real Prometheus scrapes the four services (started against a fresh PostgreSQL database and Redis),
// a short load runs through the gateway, and then
//   - every application-level dashboard query and every recording rule returns data;
//   - one order yields one trace with spans from all four services;
//   - stopping products fires the matching alerts, and terminating database connections fires the database alert
//     (in a copy of the rules whose `for` is 0s);
//   - extra service instances, scraped by the same Prometheus, fire the rest with real faults at the real thresholds:
//     a users instance with a wrong database password (auth errors), a products instance whose private Redis stops
//     (cache degraded, still ready), a users instance whose private PostgreSQL stops (not ready), an orders instance
//     whose calls to products are delayed (order-creation p99 and latency burn), a lock on the catalog table that holds
//     catalog reads (read p99 and catalog latency burn), and catalog reads on that products instance once its
//     PostgreSQL is gone (catalog availability burn);
//   - the emptiness check bites on a metric nobody exports.
import assert from 'node:assert/strict';
import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { startFaultProxy, type FaultProxy } from '../../test/support/http.ts';
import {
  startPrivatePostgres,
  startPrivateRedis,
  type PrivatePostgres,
  type PrivateRedis,
} from '../../test/support/servers.ts';
import { migrateAll } from '../db/migrate.ts';
import { selectTargets } from '../db/targets.ts';
import { SERVICES } from '../../deploy/observability/src/conventions.ts';
import { dashboards } from '../../deploy/observability/src/dashboards/index.ts';
import { RULE_FILES } from '../../deploy/observability/src/render.ts';
import { metricsAddress } from '../dev/services.ts';
import { startStack, type Stack } from '../dev/stack.ts';
import { loadSloFile } from '../../deploy/observability/src/slo.ts';
import { panelQueries, substituteVariables, type DashboardJson } from './lib/dashboards.ts';
import { OBS, RULES_DIR } from './lib/paths.ts';
import {
  emptyQueries,
  fileTargets,
  startPrometheus,
  withShortFor,
  type FileTargets,
  type Prometheus,
} from './lib/prometheus.ts';
import { loadRuleFiles, recordsOf } from './lib/rules.ts';
import { startOtlpReceiver, type OtlpReceiver } from '../../test/support/otlp.ts';
import { startServiceProcess, type ServiceProcess } from './lib/service-process.ts';
import { client, createCatalog, placeOrder, round, type Catalog, type Client } from './lib/traffic.ts';

const ADMIN_URL = process.env.OBS_POSTGRES_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_BASE = process.env.OBS_REDIS_URL ?? 'redis://127.0.0.1:6379';
const dbName = `shipshape_obs_${randomBytes(4).toString('hex')}`;
const databaseUrl = ADMIN_URL.replace(/\/[^/]*$/, `/${dbName}`);

let stack: Stack | undefined;
let prom: Prometheus | undefined;
let otlp: OtlpReceiver | undefined;
let gw: Client;
let catalog: Catalog;
let extraTargets: FileTargets;
const workDir = mkdtempSync(join(tmpdir(), 'shipshape-live-'));

const appQueries = () =>
  dashboards()
    .filter((d) => !d.kubernetesOnly)
    .flatMap((d) => panelQueries(d.file, d.dashboard as DashboardJson))
    .map((q) => ({ name: `${q.dashboard} / ${q.panel} / ${q.refId}`, expr: substituteVariables(q.expr) }));

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: ADMIN_URL });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

function need<T>(v: T | undefined, what: string): T {
  if (v === undefined) throw new Error(`${what} did not start`);
  return v;
}

interface Extras {
  /** A PostgreSQL of their own that checks passwords (the shared one trusts loopback) and can be stopped. */
  db: PrivatePostgres;
  /** users on that database with the right password: ready until the database stops. */
  readyUsers: ServiceProcess;
  /** users on that database with a wrong POSTGRES_PASSWORD. */
  wrongPassword: ServiceProcess;
  /** orders on the test database whose calls to products go through a proxy that can delay them. */
  slowOrders: ServiceProcess;
  productsProxy: FaultProxy;
  /** A Redis of their own that can be stopped. */
  redis: PrivateRedis;
  /** products on the private PostgreSQL, caching in the private Redis: ready until the database stops. */
  cachingProducts: ServiceProcess;
  /** An admin token for that products instance. */
  cachingProductsToken: string;
}

let extrasStarting: Promise<Extras> | undefined;
let extrasScraped: Promise<Extras> | undefined;
const extraProcesses: ServiceProcess[] = [];
let productsProxy: FaultProxy | undefined;
let privateDb: PrivatePostgres | undefined;
let privateRedis: PrivateRedis | undefined;

async function startExtras(s: Stack): Promise<Extras> {
  const redisStarting = startPrivateRedis().then((r) => {
    privateRedis = r;
    return r;
  });
  redisStarting.catch(() => undefined);
  const db = await startPrivatePostgres();
  privateDb = db;
  const redis = await redisStarting;
  const wrong = new pg.Client({
    host: '127.0.0.1',
    port: db.port,
    user: 'postgres',
    password: 'not-the-password',
    database: 'postgres',
  });
  const refused = await wrong.connect().then(
    async () => {
      await wrong.end();
      return 'accepted';
    },
    (err: { code?: string }) => err.code,
  );
  assert.equal(
    refused,
    '28P01',
    'the private PostgreSQL refuses a wrong password (password authentication, not trust)',
  );
  const c = new pg.Client({ connectionString: db.adminUrl });
  await c.connect();
  await c.query('CREATE DATABASE shipshape').finally(() => c.end());
  await migrateAll(db.adminUrl.replace(/\/postgres$/, '/shipshape'), [
    ...selectTargets(['--service', 'users']),
    ...selectTargets(['--service', 'products']),
  ]);
  const proxy = await startFaultProxy(s.urls.products);
  productsProxy = proxy;
  const start = (name: 'users' | 'products' | 'orders', env: Record<string, string>) =>
    startServiceProcess(name, env).then((x) => {
      extraProcesses.push(x);
      return x;
    });
  const privateEnv = {
    POSTGRES_HOST: '127.0.0.1',
    POSTGRES_PORT: String(db.port),
    POSTGRES_DB: 'shipshape',
    POSTGRES_USER: 'postgres',
  };
  const starting = [
    start('users', { ...privateEnv, POSTGRES_PASSWORD: 'postgres', ...s.authEnv('users') }),
    start('users', { ...privateEnv, POSTGRES_PASSWORD: 'not-the-password', ...s.authEnv('users') }),
    start('orders', {
      ...s.authEnv('orders'),
      DATABASE_URL: databaseUrl,
      USERS_URL: s.urls.users,
      PRODUCTS_URL: proxy.url,
      UPSTREAM_TIMEOUT_MS: '5000',
    }),
    start('products', {
      ...privateEnv,
      POSTGRES_PASSWORD: 'postgres',
      REDIS_URL: redis.url,
      ...s.authEnv('products'),
    }),
  ] as const;
  // Every start has ended (and is in extraProcesses, for the cleanup) before a failed one is reported.
  await Promise.allSettled(starting);
  const [readyUsers, wrongPassword, slowOrders, cachingProducts] = await Promise.all(starting);
  return {
    db,
    readyUsers,
    wrongPassword,
    slowOrders,
    productsProxy: proxy,
    redis,
    cachingProducts,
    cachingProductsToken: s.adminToken,
  };
}

/** The extra instances, once Prometheus scrapes them (the first fault test that needs them adds them as targets). */
function extras(): Promise<Extras> {
  extrasScraped ??= (async () => {
    const x = await need(extrasStarting, 'extra instances');
    const p = need(prom, 'prometheus');
    // Ready before they are scraped, so their service_ready is 1 from the first sample on.
    for (const instance of [x.readyUsers, x.cachingProducts]) {
      await p.waitFor(
        `the ${instance.name} instance on the private database to be ready`,
        async () => (await fetch(`${instance.url}/ready`)).status === 200,
        20_000,
      );
    }
    const all = [x.readyUsers, x.wrongPassword, x.slowOrders, x.cachingProducts];
    extraTargets.set(all.map((t) => ({ instance: t.instance, service: t.name })));
    await p.waitFor(
      'the extra instances to be scraped',
      async () => (await p.query('up{job="extra"} == 1')).length === all.length,
      30_000,
    );
    return x;
  })();
  return extrasScraped;
}

before(async () => {
  await admin((c) => c.query(`CREATE DATABASE ${dbName}`));
  otlp = await startOtlpReceiver();
  stack = await startStack({
    databaseUrl,
    redisUrl: `${REDIS_BASE}/${randomInt(1, 16)}`,
    env: {
      LOG_LEVEL: 'warn',
      BREAKER_MIN_THROUGHPUT: '3',
      BREAKER_HALF_OPEN_AFTER_MS: '600000',
      UPSTREAM_RETRIES: '1',
      OTEL_EXPORTER_OTLP_ENDPOINT: otlp.endpoint,
    },
    // The gateway's breakers stay closed: with the ten-minute half-open delay above, its breaker to products would
    // stay open after the products outage and keep the later read-latency test from reaching products.
    serviceEnv: {
      gateway: { RATE_LIMIT_MAX: '1000000', UPSTREAM_TIMEOUT_MS: '3000', BREAKER_MIN_THROUGHPUT: '100000' },
    },
  });
  const scrapeConfigs = SERVICES.map((service) => ({
    job_name: service,
    honor_labels: true,
    static_configs: [{ targets: [metricsAddress(need(stack, 'stack').urls[service])], labels: { service } }],
  }));
  const rules = Object.values(RULE_FILES).map((f) => withShortFor(join(OBS, f), workDir));
  // The fault tests' extra instances join through file-based discovery when they need scraping, not before: one
  // of them is broken from the start.
  extraTargets = fileTargets(workDir, 'extra');
  prom = await startPrometheus({ scrapeConfigs: [...scrapeConfigs, extraTargets.scrapeConfig], ruleFiles: rules });
  gw = client(stack.urls.gateway, stack.adminToken);
  catalog = await createCatalog(gw, randomBytes(3).toString('hex'));
  // Started now, while the first tests run; awaited by the fault tests that use them.
  extrasStarting = startExtras(stack);
  extrasStarting.catch(() => undefined);
});

after(async () => {
  await prom?.stop();
  await extrasStarting?.catch(() => undefined);
  await Promise.all(extraProcesses.map((x) => x.stop()));
  await productsProxy?.close();
  await privateDb?.close();
  await privateRedis?.close();
  await stack?.stop();
  await otlp?.close();
  rmSync(workDir, { recursive: true, force: true });
  await admin((c) => c.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`));
});

test('when a short load runs through the gateway, then every application dashboard query returns data', async () => {
  const p = need(prom, 'prometheus');
  // ~12 rounds over ~15 s: every counter gets several scrapes, so rates and quantiles have two samples to work with.
  for (let i = 0; i < 12; i++) {
    await round(gw, catalog, i);
    await sleep(1000);
  }
  const queries = appQueries();
  assert.ok(queries.length >= 50, `expected the application panels, got ${queries.length}`);
  let empty: string[] = [];
  await p
    .waitFor(
      'every dashboard query to return data',
      async () => {
        empty = await emptyQueries(p, queries);
        return empty.length === 0;
      },
      45_000,
    )
    .catch(() => undefined);
  assert.deepEqual(
    empty,
    [],
    `empty panel queries after the load; responses seen: ${JSON.stringify(Object.fromEntries(gw.statuses))}`,
  );
});

test('when the load has run, then every recording rule returns data', async () => {
  const p = need(prom, 'prometheus');
  const records = [...new Set(recordsOf(loadRuleFiles(RULES_DIR)).map((r) => r.record))];
  let empty: string[] = [];
  await p
    .waitFor(
      'every recording rule to return data',
      async () => {
        empty = await emptyQueries(
          p,
          records.map((r) => ({ name: r, expr: r })),
        );
        return empty.length === 0;
      },
      30_000,
    )
    .catch(() => undefined);
  assert.deepEqual(empty, []);
  // Every SLO has every window recorded, not just one of them.
  const windows = await p.query('count by (slo) (count by (slo, __name__) ({__name__=~"slo:sli_error:ratio_rate.+"}))');
  assert.equal(windows.length, loadSloFile().slos.length);
  for (const w of windows) assert.equal(w.value[1], '8', `SLI windows of ${w.metric.slo}`);
});

test('when a query asks for a metric nobody exports, then the emptiness check reports it', async () => {
  const p = need(prom, 'prometheus');
  const empty = await emptyQueries(p, [
    { name: 'real', expr: 'sum(rate(shipshape_orders_created_total[1m]))' },
    { name: 'made up', expr: 'sum(rate(shipshape_orders_shipped_total[1m]))' },
    { name: 'wrong label', expr: 'service:http_server_requests:rate5m{service="billing"}' },
  ]);
  assert.deepEqual(empty, [
    'made up: sum(rate(shipshape_orders_shipped_total[1m]))',
    'wrong label: service:http_server_requests:rate5m{service="billing"}',
  ]);
});

test('when one order goes through the gateway, then one trace holds spans from gateway, orders, users and products', async () => {
  const receiver = need(otlp, 'OTLP receiver');
  const placed = await placeOrder(gw, catalog.users[0] ?? '', catalog.products[0] ?? '');
  assert.equal(placed.status, 201);
  const orderId = (placed.json as { id: string }).id;
  let services: string[] = [];
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const byTrace = new Map<string, Set<string>>();
    for (const s of receiver.spans) byTrace.set(s.traceId, (byTrace.get(s.traceId) ?? new Set()).add(s.service));
    const complete = [...byTrace.values()].find((set) =>
      ['gateway', 'orders', 'users', 'products'].every((x) => set.has(x)),
    );
    if (complete) {
      services = [...complete].sort();
      break;
    }
    await sleep(500);
  }
  assert.deepEqual(
    services,
    ['gateway', 'orders', 'products', 'users'],
    `order ${orderId}; content types ${[...receiver.contentTypes].join(', ')}`,
  );
});

/** Waits until the alert fires; `act` (more of the fault, more traffic) runs before each check that finds it quiet. */
async function waitFiring(
  p: Prometheus,
  alertname: string,
  labels: Record<string, string>,
  act?: () => Promise<void>,
): Promise<void> {
  const matchers = Object.entries(labels)
    .map(([k, v]) => `, ${k}="${v}"`)
    .join('');
  const firing = async () =>
    (await p.query(`ALERTS{alertname="${alertname}", alertstate="firing"${matchers}}`)).length > 0;
  try {
    await p.waitFor(
      `${alertname} ${JSON.stringify(labels)} to fire`,
      async () => {
        if (await firing()) return true;
        await act?.();
        return firing();
      },
      60_000,
    );
  } catch (err) {
    const alerts = (await p.query('ALERTS')).map((a) => `${a.metric.alertname}${JSON.stringify(a.metric)}`);
    throw new Error(
      `${(err as Error).message}\nalerts now: ${alerts.join('\n  ')}\nprometheus: ${p.log().slice(-2000)}`,
    );
  }
}

test('when a burst of orders asks for more than the stock, then the reservation spike alert fires and no other', async () => {
  const p = need(prom, 'prometheus');
  // The alert needs more than 3 failed reservations a minute over 10 minutes: 40 in a few seconds is plenty.
  for (let i = 0; i < 40; i++) await placeOrder(gw, catalog.users[i % catalog.users.length] ?? '', catalog.scarce, 5);
  await waitFiring(p, 'ShipshapeStockReservationFailureSpike', {});
  const firing = (await p.firing()).map((a) => a.metric.alertname);
  assert.deepEqual(
    [...new Set(firing)],
    ['ShipshapeStockReservationFailureSpike'],
    'nothing else fires while every service is healthy',
  );
});

test('when the products service stops, then target-down, dependency, circuit, 5xx and SLO alerts fire', async () => {
  const p = need(prom, 'prometheus');
  const s = need(stack, 'stack');
  await s.stopService('products');
  try {
    for (let i = 0; i < 40; i++) {
      await placeOrder(gw, catalog.users[i % catalog.users.length] ?? '', catalog.products[0] ?? '');
      await gw.call('GET', `/products/${catalog.products[1] ?? ''}`);
      if (i % 10 === 9) await sleep(500);
    }
    await waitFiring(p, 'ShipshapeTargetDown', { service: 'products' });
    await waitFiring(p, 'ShipshapeDependencyErrorRatio', { service: 'orders', target: 'products' });
    await waitFiring(p, 'ShipshapeCircuitBreakerOpen', { service: 'orders', target: 'products' });
    await waitFiring(p, 'ShipshapeDependencyErrorRatio', { service: 'gateway', target: 'products' });
    await waitFiring(p, 'ShipshapeHighErrorRatio', { service: 'gateway' });
    await waitFiring(p, 'ShipshapeHighErrorRatio', { service: 'orders' });
    await waitFiring(p, 'ShipshapeOrderCreationAvailabilityBudgetBurn', { severity: 'critical' });
  } finally {
    await s.startService('products');
  }
});

test('when the services lose their database connections, then ShipshapeDatabaseConnectionErrors fires', async () => {
  const p = need(prom, 'prometheus');
  // Open pooled connections with a little traffic, then terminate them from the server side; repeat, as an outage
  // does, until the alert fires (the first error only creates the counter series, the next ones increase it).
  await p.waitFor(
    'ShipshapeDatabaseConnectionErrors to fire',
    async () => {
      await round(gw, catalog, 0);
      await admin((c) =>
        c.query(
          'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
          [dbName],
        ),
      );
      await sleep(2000);
      return (await p.query('ALERTS{alertstate="firing", alertname="ShipshapeDatabaseConnectionErrors"}')).length > 0;
    },
    90_000,
  );
  const errors = await p.query('sum by (service) (db_client_errors_total{kind="connection"})');
  assert.ok(errors.length > 0, 'connection errors are counted per service');
});

test('when a users instance has a wrong database password, then ShipshapeDatabaseAuthErrors fires', async () => {
  const p = need(prom, 'prometheus');
  const { wrongPassword } = await extras();
  // Requests make it connect, and PostgreSQL refuses each attempt (28P01). Its counters were scraped at 0 first, so
  // every refusal from here on is an increase. An admin's read, so the request gets past authorization to the database.
  const admin = { authorization: `Bearer ${need(stack, 'stack').adminToken}` };
  await waitFiring(p, 'ShipshapeDatabaseAuthErrors', { service: 'users' }, async () => {
    await fetch(`${wrongPassword.url}/users/${randomUUID()}`, { headers: admin }).then((r) => r.arrayBuffer());
    await sleep(500);
  });
  assert.equal(
    (await fetch(`${wrongPassword.url}/ready`)).status,
    503,
    'the instance with the wrong password reports not ready',
  );
  const counted = await p.query('db_client_errors_total{kind="auth"} > 0');
  assert.deepEqual(
    counted.map((sample) => sample.metric.instance),
    [wrongPassword.instance],
    'only that instance counts auth errors',
  );
});

// Before the private PostgreSQL stops (next test): a products instance without its cache is still ready.
test('when the Redis under a products instance stops, then ShipshapeCacheDegraded fires for it and it stays ready, degraded', async () => {
  const p = need(prom, 'prometheus');
  const { redis, cachingProducts: products, cachingProductsToken } = await extras();
  const created = await client(products.url, cachingProductsToken).call('POST', '/products', {
    sku: `CACHE-${randomBytes(3).toString('hex')}`,
    name: 'Cached product',
    priceCents: 700,
    currency: 'EUR',
    stock: 10,
  });
  assert.equal(created.status, 201, JSON.stringify(created.json));
  const id = (created.json as { id: string }).id;
  const read = async () => {
    const r = await fetch(`${products.url}/products/${id}`);
    await r.arrayBuffer();
    return `${r.status} ${r.headers.get('x-cache')}`;
  };
  // Real lookups in Redis: the first read misses and fills the cache, the next ones hit.
  assert.deepEqual([await read(), await read(), await read()], ['200 miss', '200 hit', '200 hit']);
  const at = `instance="${products.instance}"`;
  const scraped = async () =>
    (await p.query(`cache_up{${at}} == 1`)).length > 0 &&
    (await p.query(`cache_requests_total{${at}, result="hit"} >= 2`)).length > 0;
  await p.waitFor('the products instance to be scraped with its cache up and the hits counted', scraped, 20_000);
  await redis.stop();
  try {
    await waitFiring(p, 'ShipshapeCacheDegraded', { service: 'products', instance: products.instance }, async () => {
      await read();
      await sleep(500);
    });
    const degraded = await p.query('ALERTS{alertname="ShipshapeCacheDegraded", alertstate="firing"}');
    assert.deepEqual(
      degraded.map((a) => a.metric.instance),
      [products.instance],
      'only the instance whose Redis stopped',
    );
    // Degraded, not down: still ready, and the product is read from PostgreSQL.
    const ready = await fetch(`${products.url}/ready`);
    const body = (await ready.json()) as { status: string; checks: Record<string, { status: string }> };
    assert.equal(ready.status, 200, JSON.stringify(body));
    assert.equal(body.status, 'degraded');
    assert.equal(body.checks.cache?.status, 'down');
    assert.equal(body.checks.database?.status, 'up');
    assert.equal(await read(), '200 miss', 'reads are served from the database');
  } finally {
    // Running again for the cleanup: the helper's close() would wait forever for a Redis it has already stopped.
    await redis.start();
  }
});

test('when the database under a ready users instance stops, then ShipshapeServiceNotReady fires for that instance', async () => {
  const p = need(prom, 'prometheus');
  const { db, readyUsers } = await extras();
  const ready = `service_ready{instance="${readyUsers.instance}"}`;
  await p.waitFor(
    'the users instance to be scraped as ready',
    async () => (await p.query(`${ready} == 1`)).length > 0,
    20_000,
  );
  await db.stop();
  // Readiness is only evaluated when something asks (a kubelet probe in Kubernetes): ask as one would.
  await waitFiring(p, 'ShipshapeServiceNotReady', { service: 'users', instance: readyUsers.instance }, async () => {
    await fetch(`${readyUsers.url}/ready`).then((r) => r.arrayBuffer());
    await sleep(500);
  });
  assert.equal((await fetch(`${readyUsers.url}/ready`)).status, 503, 'its readiness fails once the database is gone');
});

test('when products answers orders slowly, then the order-creation p99 and latency budget burn alerts fire', async () => {
  const p = need(prom, 'prometheus');
  const { slowOrders, productsProxy: proxy } = await extras();
  // An admin places each order for a catalog user, as the gateway's traffic does.
  const orders = client(slowOrders.url, need(stack, 'stack').adminToken);
  // Each reservation waits 1.5 s in the proxy: orders succeed, but above the 1 s threshold (the 1-2.5 s bucket).
  proxy.delayMs = 1500;
  const durations: number[] = [];
  const burst = async () => {
    await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        const started = performance.now();
        await placeOrder(
          orders,
          catalog.users[i % catalog.users.length] ?? '',
          catalog.products[i % catalog.products.length] ?? '',
        );
        durations.push(performance.now() - started);
      }),
    );
  };
  try {
    await waitFiring(p, 'ShipshapeOrderCreationLatencyHigh', { service: 'orders' }, burst);
    await waitFiring(p, 'ShipshapeOrderCreationLatencyBudgetBurn', { severity: 'critical' }, burst);
    await waitFiring(p, 'ShipshapeOrderCreationLatencyBudgetBurn', { severity: 'warning' }, burst);
  } finally {
    proxy.delayMs = 0;
  }
  assert.deepEqual([...orders.statuses.keys()], ['POST /orders 201'], 'slow, not failing');
  assert.ok(
    Math.min(...durations) > 1000,
    `every order took more than 1 s (fastest ${Math.round(Math.min(...durations))} ms)`,
  );
});

test('when a lock on the catalog table holds reads, then the read p99 and catalog latency budget burn alerts fire', async () => {
  const p = need(prom, 'prometheus');
  const lock = new pg.Client({ connectionString: databaseUrl });
  const watch = new pg.Client({ connectionString: databaseUrl });
  await Promise.all([lock.connect(), watch.connect()]);
  // Pages nobody has asked for (limits above the default 20), so each misses the cache and queries the table.
  let limit = 100;
  const statuses: number[] = [];
  const blockedReads = async () => {
    if (limit - 8 < 20) throw new Error('no uncached pages left to read');
    await lock.query('BEGIN');
    await lock.query('LOCK TABLE catalog.products IN ACCESS EXCLUSIVE MODE');
    const reads = Array.from({ length: 8 }, () => gw.call('GET', `/products?limit=${limit--}`));
    try {
      await p.waitFor(
        'the reads to wait for the lock',
        async () => {
          const waiting = await watch.query(
            "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND application_name = 'products' AND wait_event_type = 'Lock' AND query ILIKE 'select%'",
            [dbName],
          );
          return waiting.rows[0].n >= reads.length;
        },
        10_000,
      );
      // Hold it long enough for every read to pass both thresholds (250 ms for the SLO, 500 ms for the p99 alert).
      await sleep(800);
    } finally {
      await lock.query('COMMIT');
      for (const r of await Promise.allSettled(reads)) statuses.push(r.status === 'fulfilled' ? r.value.status : 0);
    }
  };
  try {
    await waitFiring(p, 'ShipshapeReadLatencyHigh', { service: 'products' }, blockedReads);
    await waitFiring(p, 'ShipshapeReadLatencyHigh', { service: 'gateway' }, blockedReads);
    await waitFiring(p, 'ShipshapeCatalogReadLatencyBudgetBurn', { severity: 'critical' }, blockedReads);
    await waitFiring(p, 'ShipshapeCatalogReadLatencyBudgetBurn', { severity: 'warning' }, blockedReads);
  } finally {
    await Promise.all([lock.end(), watch.end()]);
  }
  assert.deepEqual([...new Set(statuses)], [200], 'slow, not failing');
});

// Last: its 5xx answers are fast, so they would only dilute the latency SLI the two tests above drive.
test('when catalog reads on a products instance fail without its database, then ShipshapeCatalogReadAvailabilityBudgetBurn fires', async () => {
  const p = need(prom, 'prometheus');
  const { db, cachingProducts: products } = await extras();
  // The not-ready test stopped the private PostgreSQL already; stopping it again does nothing.
  await db.stop();
  const statuses: number[] = [];
  // Catalog reads (pages and products by id) that no cache can answer: each needs the database.
  const failingReads = async () => {
    const paths = Array.from({ length: 10 }, (_, i) =>
      i % 2 === 0 ? `/products?limit=${10 + i}` : `/products/${randomUUID()}`,
    );
    for (const r of await Promise.all(paths.map((path) => fetch(`${products.url}${path}`)))) {
      statuses.push(r.status);
      await r.arrayBuffer();
    }
    await sleep(500);
  };
  await waitFiring(p, 'ShipshapeCatalogReadAvailabilityBudgetBurn', { severity: 'critical' }, failingReads);
  await waitFiring(p, 'ShipshapeCatalogReadAvailabilityBudgetBurn', { severity: 'warning' }, failingReads);
  assert.deepEqual([...new Set(statuses)], [503], 'the reads fail with 503 (database unavailable)');
  const failing = await p.query(
    'sum by (instance) (http_server_request_duration_seconds_count{service="products", method="GET", status_class="5xx"}) > 0',
  );
  assert.deepEqual(
    failing.map((s) => s.metric.instance),
    [products.instance],
    'the failed reads are counted by that instance only',
  );
});
