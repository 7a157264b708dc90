// The system a drill runs against, started fresh for each scenario so one drill's faults and alert history never
// leak into the next: a private PostgreSQL (WAL archived, so it can be restored to a point in time) and Redis, the four
// services with fault proxies on two of their links, the tool's receiver, and Prometheus and Alertmanager from Debian
// with the drill profile of the repository's rules and routing.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { RULE_FILES } from '../../deploy/observability/src/render.ts';
import {
  startArchivingPostgres,
  startPrivateRedis,
  type ArchivingPostgres,
  type PrivateRedis,
} from '../../test/support/servers.ts';
import { OBS } from '../check-observability/lib/paths.ts';
import {
  fileTargets,
  startPrometheus,
  withScaledFor,
  type FileTargets,
  type Prometheus,
} from '../check-observability/lib/prometheus.ts';
import { client, createCatalog, type Catalog, type Client } from '../check-observability/lib/traffic.ts';
import { freeServicePort } from '../dev/ports.ts';
import { metricsAddress, SERVICES, type ServiceName } from '../dev/services.ts';
import { startStack, type Stack } from '../dev/stack.ts';
import {
  drillAlertmanagerConfig,
  startAlertmanager,
  startReceiver,
  type Alertmanager,
  type Receiver,
} from './alertmanager.ts';
import { startFaultProxy, type FaultProxy } from './fault-proxy.ts';
import type { ProxyName } from './scenario.ts';

/**
 * The drill profile: every `for:` of the real rules and every wait of the real routing divided by this factor (a
 * minute becomes a second); expressions, thresholds and windows are the real ones.
 */
export const DRILL_FACTOR = 60;

/** What the local supervisor reports per container, in kube-state-metrics' names, so the pod alerts can fire here. */
export interface ContainerState {
  restarts: number;
  crashLoopBackOff: boolean;
}

export interface DrillSystem {
  pg: ArchivingPostgres;
  redis: PrivateRedis;
  stack: Stack;
  proxies: Record<ProxyName, FaultProxy>;
  receiver: Receiver;
  prometheus: Prometheus;
  alertmanager: Alertmanager;
  /** Extra instances (a canary replica) that Prometheus scrapes while they exist. */
  extraTargets: FileTargets;
  containers: Record<ServiceName, ContainerState>;
  /** The current password of the services' database role (a rotation changes it). */
  password: string;
  /** The service database, as the admin, with the current password. */
  databaseUrl(): string;
  /** Runs a query against the service database as the admin. */
  sql<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, params?: unknown[]): Promise<pg.QueryResult<R>>;
  /** The admin API client through the gateway. */
  admin: Client;
  /** Headers a customer's request carries: that user's token from the stack's issuer. */
  customerHeaders(userId: string): Record<string, string>;
  catalog: Catalog;
  /** Stock each catalog product started with, for the invariant. */
  initialStock: Map<string, number>;
  /** A base backup taken once the catalog exists (the last nightly backup, for the point-in-time restore). */
  backup: string;
  stop(): Promise<void>;
}

const DATABASE = 'shipshape';

export async function startDrillSystem(log: (line: string) => void = () => {}): Promise<DrillSystem> {
  const cleanups: (() => Promise<void>)[] = [];
  const workDir = mkdtempSync(join(tmpdir(), 'shipshape-gameday-'));
  cleanups.push(async () => rmSync(workDir, { recursive: true, force: true }));
  const stop = async () => {
    for (const c of cleanups.reverse()) await c().catch(() => {});
  };
  try {
    const password = randomBytes(12).toString('hex');
    const [pgServer, redis, receiver] = await Promise.all([
      startArchivingPostgres(password),
      startPrivateRedis(),
      startReceiver(),
    ]);
    cleanups.push(
      () => pgServer.close(),
      () => redis.close(),
      () => receiver.close(),
    );
    log(`PostgreSQL on ${pgServer.port} (WAL archived), Redis on ${redis.port}`);
    const dbUrl = (pw: string) =>
      `postgres://postgres:${encodeURIComponent(pw)}@127.0.0.1:${pgServer.port}/${DATABASE}`;
    const admin = new pg.Client({ connectionString: pgServer.adminUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${DATABASE}`).finally(() => admin.end());

    const productsPort = await freeServicePort();
    const ordersPort = await freeServicePort(new Set([productsPort]));
    const ordersToProducts = await startFaultProxy('orders-to-products', `127.0.0.1:${productsPort}`);
    const gatewayToOrders = await startFaultProxy('gateway-to-orders', `127.0.0.1:${ordersPort}`);
    cleanups.push(
      () => ordersToProducts.close(),
      () => gatewayToOrders.close(),
    );
    const stack = await startStack({
      databaseUrl: dbUrl(password),
      redisUrl: redis.url,
      ports: { products: productsPort, orders: ordersPort },
      env: { LOG_LEVEL: 'warn', RECONCILE_INTERVAL_MS: '1000', RECONCILE_GRACE_MS: '3000' },
      serviceEnv: {
        orders: { PRODUCTS_URL: ordersToProducts.url },
        // Behind a load balancer, as in the chart: the rate limit keys on the client's address, not the proxy's.
        gateway: { ORDERS_URL: gatewayToOrders.url, TRUST_PROXY: 'true' },
      },
    });
    cleanups.push(() => stack.stop());
    log(`services: ${SERVICES.map((s) => `${s} ${stack.ports[s]}`).join(', ')}`);

    const containers = Object.fromEntries(SERVICES.map((s) => [s, { restarts: 0, crashLoopBackOff: false }])) as Record<
      ServiceName,
      ContainerState
    >;
    receiver.setMetrics(() => kubeStateMetrics(containers));
    const extraTargets = fileTargets(workDir, 'extra');
    const alertmanager = await startAlertmanager(drillAlertmanagerConfig(DRILL_FACTOR, receiver.url));
    cleanups.push(() => alertmanager.stop());
    const prometheus = await startPrometheus({
      scrapeConfigs: [
        ...SERVICES.map((service) => ({
          job_name: service,
          honor_labels: true,
          static_configs: [{ targets: [metricsAddress(stack.urls[service])], labels: { service } }],
        })),
        {
          job_name: 'kube-state-metrics',
          honor_labels: true,
          static_configs: [{ targets: [new URL(receiver.url).host] }],
        },
        extraTargets.scrapeConfig,
      ],
      ruleFiles: Object.values(RULE_FILES).map((f) => withScaledFor(join(OBS, f), workDir, DRILL_FACTOR)),
      alertmanagers: [alertmanager.address],
    });
    cleanups.push(() => prometheus.stop());
    log(`Prometheus ${prometheus.url}, Alertmanager ${alertmanager.url}, receiver ${receiver.url}`);

    // The one place the drill gets its tokens: the admin token the stack signs; customers' below.
    const api = client(stack.urls.gateway, stack.adminToken);
    const catalog = await createCatalog(api, randomBytes(3).toString('hex'));
    const initialStock = new Map<string, number>([
      ...catalog.products.map((p) => [p, 100_000] as const),
      [catalog.scarce, 1],
    ]);
    // Each customer carries their own token, as orders and user reads require.
    const tokens = new Map<string, string>();
    for (const u of catalog.users) tokens.set(u, await stack.userToken(u));
    const backup = await pgServer.baseBackup();
    log(`base backup taken: ${backup}`);

    const system: DrillSystem = {
      pg: pgServer,
      redis,
      stack,
      proxies: { 'orders-to-products': ordersToProducts, 'gateway-to-orders': gatewayToOrders },
      receiver,
      prometheus,
      alertmanager,
      extraTargets,
      containers,
      password,
      databaseUrl: () => dbUrl(system.password),
      sql: async (text, params) => {
        const c = new pg.Client({ connectionString: system.databaseUrl(), connectionTimeoutMillis: 5000 });
        await c.connect();
        try {
          return await c.query(text, params);
        } finally {
          await c.end();
        }
      },
      admin: api,
      customerHeaders: (userId): Record<string, string> => {
        const token = tokens.get(userId);
        return token ? { authorization: `Bearer ${token}` } : {};
      },
      catalog,
      initialStock,
      backup,
      stop,
    };
    return system;
  } catch (err) {
    await stop();
    throw err;
  }
}

/** The two kube-state-metrics series the pod alerts read, for the processes the local supervisor runs. */
function kubeStateMetrics(containers: Record<ServiceName, ContainerState>): string {
  const lines = [
    '# TYPE kube_pod_container_status_restarts_total counter',
    ...Object.entries(containers).map(
      ([c, s]) =>
        `kube_pod_container_status_restarts_total{namespace="shipshape",pod="${c}-0",container="${c}"} ${s.restarts}`,
    ),
    '# TYPE kube_pod_container_status_waiting_reason gauge',
    ...Object.entries(containers).map(
      ([c, s]) =>
        `kube_pod_container_status_waiting_reason{namespace="shipshape",pod="${c}-0",container="${c}",reason="CrashLoopBackOff"} ${s.crashLoopBackOff ? 1 : 0}`,
    ),
  ];
  return `${lines.join('\n')}\n`;
}
