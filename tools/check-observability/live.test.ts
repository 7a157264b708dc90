// The live proof: a real Prometheus scrapes the four services (started against a fresh PostgreSQL database and Redis),
// a short load runs through the gateway, and then
//   - every application-level dashboard query and every recording rule returns data;
//   - one order yields one trace with spans from all four services;
//   - stopping products fires the matching alerts, and terminating database connections fires the database alert
//     (in a copy of the rules whose `for` is 0s);
//   - the emptiness check bites on a metric nobody exports.
import assert from 'node:assert/strict';
import { randomBytes, randomInt } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { SERVICES } from '../../deploy/observability/src/conventions.ts';
import { dashboards } from '../../deploy/observability/src/dashboards/index.ts';
import { RULE_FILES } from '../../deploy/observability/src/render.ts';
import { startStack, type Stack } from '../dev/stack.ts';
import { panelQueries, substituteVariables, type DashboardJson } from './lib/dashboards.ts';
import { OBS, RULES_DIR } from './lib/paths.ts';
import { emptyQueries, startPrometheus, withShortFor, type Prometheus } from './lib/prometheus.ts';
import { loadRuleFiles, recordsOf } from './lib/rules.ts';
import { startOtlpReceiver, type OtlpReceiver } from './lib/otlp-receiver.ts';
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
const rulesDir = mkdtempSync(join(tmpdir(), 'shipshape-rules-'));

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

before(async () => {
  await admin((c) => c.query(`CREATE DATABASE ${dbName}`));
  otlp = await startOtlpReceiver();
  stack = await startStack({
    databaseUrl,
    redisUrl: `${REDIS_BASE}/${randomInt(1, 16)}`,
    env: {
      LOG_LEVEL: 'warn',
      BREAKER_FAILURE_THRESHOLD: '3',
      BREAKER_HALF_OPEN_AFTER_MS: '600000',
      UPSTREAM_RETRIES: '1',
      OTEL_EXPORTER_OTLP_ENDPOINT: otlp.endpoint,
    },
    // The gateway's breakers stay closed, so orders placed while products is down reach orders and its own breaker.
    serviceEnv: { gateway: { RATE_LIMIT_MAX: '1000000', UPSTREAM_TIMEOUT_MS: '3000', BREAKER_FAILURE_THRESHOLD: '100' } },
  });
  const scrapeConfigs = SERVICES.map((service) => ({
    job_name: service,
    honor_labels: true,
    static_configs: [{ targets: [new URL(need(stack, 'stack').urls[service]).host], labels: { service } }],
  }));
  const rules = Object.values(RULE_FILES).map((f) => withShortFor(join(OBS, f), rulesDir));
  prom = await startPrometheus({ scrapeConfigs, ruleFiles: rules });
  gw = client(stack.urls.gateway, stack.adminToken);
  catalog = await createCatalog(gw, randomBytes(3).toString('hex'));
});

after(async () => {
  await prom?.stop();
  await stack?.stop();
  await otlp?.close();
  rmSync(rulesDir, { recursive: true, force: true });
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
    .waitFor('every dashboard query to return data', async () => {
      empty = await emptyQueries(p, queries);
      return empty.length === 0;
    }, 45_000)
    .catch(() => undefined);
  assert.deepEqual(empty, [], `empty panel queries after the load; responses seen: ${JSON.stringify(Object.fromEntries(gw.statuses))}`);
});

test('when the load has run, then every recording rule returns data', async () => {
  const p = need(prom, 'prometheus');
  const records = [...new Set(recordsOf(loadRuleFiles(RULES_DIR)).map((r) => r.record))];
  let empty: string[] = [];
  await p
    .waitFor('every recording rule to return data', async () => {
      empty = await emptyQueries(p, records.map((r) => ({ name: r, expr: r })));
      return empty.length === 0;
    }, 30_000)
    .catch(() => undefined);
  assert.deepEqual(empty, []);
  // Every SLO has every window recorded, not just one of them.
  const windows = await p.query('count by (slo) (count by (slo, __name__) ({__name__=~"slo:sli_error:ratio_rate.+"}))');
  assert.equal(windows.length, 4);
  for (const w of windows) assert.equal(w.value[1], '8', `SLI windows of ${w.metric['slo']}`);
});

test('when a query asks for a metric nobody exports, then the emptiness check reports it', async () => {
  const p = need(prom, 'prometheus');
  const empty = await emptyQueries(p, [
    { name: 'real', expr: 'sum(rate(shipshape_orders_created_total[1m]))' },
    { name: 'made up', expr: 'sum(rate(shipshape_orders_shipped_total[1m]))' },
    { name: 'wrong label', expr: 'service:http_server_requests:rate5m{service="billing"}' },
  ]);
  assert.deepEqual(empty, ['made up: sum(rate(shipshape_orders_shipped_total[1m]))', 'wrong label: service:http_server_requests:rate5m{service="billing"}']);
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
    const complete = [...byTrace.values()].find((set) => ['gateway', 'orders', 'users', 'products'].every((x) => set.has(x)));
    if (complete) {
      services = [...complete].sort();
      break;
    }
    await sleep(500);
  }
  assert.deepEqual(services, ['gateway', 'orders', 'products', 'users'], `order ${orderId}; content types ${[...receiver.contentTypes].join(', ')}`);
});

async function waitFiring(p: Prometheus, alertname: string, labels: Record<string, string>): Promise<void> {
  const matchers = Object.entries(labels).map(([k, v]) => `, ${k}="${v}"`).join('');
  try {
    await p.waitFor(`${alertname} ${JSON.stringify(labels)} to fire`, async () => (await p.query(`ALERTS{alertname="${alertname}", alertstate="firing"${matchers}}`)).length > 0, 60_000);
  } catch (err) {
    const alerts = (await p.query('ALERTS')).map((a) => `${a.metric['alertname']}${JSON.stringify(a.metric)}`);
    throw new Error(`${(err as Error).message}\nalerts now: ${alerts.join('\n  ')}\nprometheus: ${p.log().slice(-2000)}`);
  }
}

test('when a burst of orders asks for more than the stock, then the reservation spike alert fires and no other', async () => {
  const p = need(prom, 'prometheus');
  // The alert needs more than 3 failed reservations a minute over 10 minutes: 40 in a few seconds is plenty.
  for (let i = 0; i < 40; i++) await placeOrder(gw, catalog.users[i % catalog.users.length] ?? '', catalog.scarce, 5);
  await waitFiring(p, 'ShipshapeStockReservationFailureSpike', {});
  const firing = (await p.firing()).map((a) => a.metric['alertname']);
  assert.deepEqual([...new Set(firing)], ['ShipshapeStockReservationFailureSpike'], 'nothing else fires while every service is healthy');
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
  await p.waitFor('ShipshapeDatabaseConnectionErrors to fire', async () => {
    await round(gw, catalog, 0);
    await admin((c) => c.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [dbName]));
    await sleep(2000);
    return (await p.query('ALERTS{alertstate="firing", alertname="ShipshapeDatabaseConnectionErrors"}')).length > 0;
  }, 90_000);
  const errors = await p.query('sum by (service) (db_client_errors_total{kind="connection"})');
  assert.ok(errors.length > 0, 'connection errors are counted per service');
});
