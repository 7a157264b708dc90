// The game-day scenarios: each a real fault on this machine, the alerts it must raise, the runbook it exercises, how
// to restore and how recovery is verified. `npm run gameday -- list` prints them.
import type { Diagnostic, Scenario, SteadyStateCheck, Verification } from './scenario.ts';

const STEADY: SteadyStateCheck[] = ['services-ready', 'probes-succeed', 'no-alerts', 'stock-invariant'];
const RECOVERED: Verification = { recoverWithinSeconds: 60, stableSeconds: 5, orders: 'all' };

/** A diagnostic that asks the drill's Prometheus one instant query. */
const promQuery = (what: string, query: string): Diagnostic => ({
  what,
  command: ['curl', '-sS', '-G', '{prometheus}/api/v1/query', '--data-urlencode', `query=${query}`],
});

/** The first look of every runbook: what is firing, which targets are up, who is ready, the newest errors. */
const FIRST_LOOK: Diagnostic[] = [
  { what: 'alerts firing (Alertmanager)', command: ['curl', '-sS', '{alertmanager}/api/v2/alerts?active=true'] },
  {
    what: 'scrape targets down (Prometheus)',
    command: ['curl', '-sS', '-G', '{prometheus}/api/v1/query', '--data-urlencode', 'query=up == 0'],
  },
  { what: 'readiness of every service', command: ['readiness'] },
];
const databaseLook = (service: string): Diagnostic[] => [
  promQuery(
    'database errors by service and kind (Prometheus)',
    'sum by (service, kind) (increase(db_client_errors_total[5m]))',
  ),
  {
    what: 'sessions per application and state (PostgreSQL)',
    command: [
      'psql',
      '{database}',
      '-c',
      'SELECT application_name, state, count(*) FROM pg_stat_activity GROUP BY 1, 2 ORDER BY 1, 2',
    ],
  },
  { what: `newest warnings and errors of ${service}`, command: ['logs', service] },
];

export const SCENARIOS: Scenario[] = [
  {
    name: 'service-killed',
    title: 'The products service is killed',
    hypothesis:
      'When products dies, ShipshapeTargetDown pages for it within seconds; orders fail fast with 503 (no hang) and the service is back, with every confirmed order kept, once it is started again.',
    steadyState: STEADY,
    fault: { kind: 'signal', service: 'products', signal: 'SIGKILL' },
    expect: [{ alert: 'ShipshapeTargetDown', labels: { service: 'products' }, withinSeconds: 30 }],
    tolerate: [
      'ShipshapeDependencyErrorRatio',
      'ShipshapeCircuitBreakerOpen',
      'ShipshapeHighErrorRatio',
      'ShipshapeOrderCreationAvailabilityBudgetBurn',
    ],
    runbook: 'ShipshapeTargetDown.md',
    diagnostics: [...FIRST_LOOK, { what: 'newest warnings and errors of orders', command: ['logs', 'orders'] }],
    restore: { kind: 'start-service', service: 'products' },
    verify: RECOVERED,
  },
  {
    name: 'service-crash-looping',
    title: 'A release of orders crash-loops on a bad setting',
    hypothesis:
      'When a release of orders exits at start (an invalid LOG_LEVEL), the supervisor restarts it with back-off; ShipshapeTargetDown, ShipshapePodRestarting and ShipshapePodCrashLooping fire, and rolling back restores order creation.',
    steadyState: STEADY,
    fault: { kind: 'crash-loop', service: 'orders', env: { LOG_LEVEL: 'verbose' } },
    expect: [
      { alert: 'ShipshapeTargetDown', labels: { service: 'orders' }, withinSeconds: 30 },
      { alert: 'ShipshapePodRestarting', labels: { container: 'orders' }, withinSeconds: 45 },
      { alert: 'ShipshapePodCrashLooping', labels: { container: 'orders' }, withinSeconds: 45 },
    ],
    // Each restart starts a Node process on the same two cores as everything else: on a busy machine the read
    // latency tickets may follow, as they would on a node short of CPU.
    tolerate: [
      'ShipshapeDependencyErrorRatio',
      'ShipshapeCircuitBreakerOpen',
      'ShipshapeHighErrorRatio',
      'ShipshapeOrderCreationAvailabilityBudgetBurn',
      'ShipshapeCatalogReadLatencyBudgetBurn',
      'ShipshapeReadLatencyHigh',
    ],
    runbook: 'ShipshapePodCrashLooping.md',
    diagnostics: [...FIRST_LOOK, { what: 'last lines of the crashing orders process', command: ['logs', 'orders'] }],
    restore: { kind: 'rollback', service: 'orders' },
    verify: RECOVERED,
  },
  {
    name: 'postgres-connections-killed',
    title: "PostgreSQL terminates the services' connections",
    hypothesis:
      'When every session of the services is terminated over and over (a failover, an overeager DBA), ShipshapeDatabaseConnectionErrors pages; the pools reconnect by themselves once it stops, without a restart, and nothing confirmed is lost.',
    steadyState: STEADY,
    fault: {
      kind: 'sql',
      sql: "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = 'shipshape' AND pid <> pg_backend_pid()",
      everySeconds: 2,
    },
    expect: [{ alert: 'ShipshapeDatabaseConnectionErrors', withinSeconds: 45 }],
    tolerate: [
      'ShipshapeHighErrorRatio',
      'ShipshapeOrderCreationAvailabilityBudgetBurn',
      'ShipshapeCatalogReadAvailabilityBudgetBurn',
      'ShipshapeDependencyErrorRatio',
      'ShipshapeCircuitBreakerOpen',
      'ShipshapeServiceNotReady',
    ],
    runbook: 'ShipshapeDatabaseConnectionErrors.md',
    diagnostics: [...FIRST_LOOK, ...databaseLook('orders')],
    restore: { kind: 'stop-fault' },
    verify: RECOVERED,
  },
  {
    name: 'postgres-stopped',
    title: 'PostgreSQL stops',
    hypothesis:
      'When PostgreSQL goes away, ShipshapeDatabaseConnectionErrors pages (readiness drops but is inhibited: one page for the cause); writes fail fast with 503 and the services recover without a restart once it is back.',
    steadyState: STEADY,
    fault: { kind: 'postgres-stop' },
    expect: [{ alert: 'ShipshapeDatabaseConnectionErrors', withinSeconds: 45 }],
    tolerate: [
      'ShipshapeServiceNotReady',
      'ShipshapeHighErrorRatio',
      'ShipshapeOrderCreationAvailabilityBudgetBurn',
      'ShipshapeCatalogReadAvailabilityBudgetBurn',
      'ShipshapeDependencyErrorRatio',
      'ShipshapeCircuitBreakerOpen',
    ],
    runbook: 'ShipshapeDatabaseConnectionErrors.md',
    diagnostics: [
      ...FIRST_LOOK,
      ...databaseLook('products'),
      { what: 'is PostgreSQL accepting connections', command: ['pg_isready', '-d', '{database}'] },
    ],
    restore: { kind: 'start-postgres' },
    verify: RECOVERED,
  },
  {
    name: 'database-password-rotated',
    title: 'The database password is rotated under the running services',
    hypothesis:
      'When the password changes and the pools reconnect with the old one, ShipshapeDatabaseAuthErrors pages at once and readiness tells which services are affected; rolling the new secret out restores service.',
    steadyState: STEADY,
    fault: { kind: 'password-rotation' },
    expect: [{ alert: 'ShipshapeDatabaseAuthErrors', withinSeconds: 30 }],
    tolerate: [
      'ShipshapeTargetDown',
      'ShipshapeDatabaseConnectionErrors',
      'ShipshapeServiceNotReady',
      'ShipshapeHighErrorRatio',
      'ShipshapeOrderCreationAvailabilityBudgetBurn',
      'ShipshapeCatalogReadAvailabilityBudgetBurn',
      'ShipshapeDependencyErrorRatio',
      'ShipshapeCircuitBreakerOpen',
    ],
    runbook: 'ShipshapeDatabaseAuthErrors.md',
    diagnostics: [...FIRST_LOOK, ...databaseLook('users')],
    // Rolled out one process at a time and without a surge here, each restart is a few seconds of TargetDown, which
    // the drill profile's 2 s `for:` turns into a page; a Deployment's rolling update keeps the old pod until the new
    // one is ready.
    restore: { kind: 'roll-credentials' },
    verify: RECOVERED,
  },
  {
    name: 'redis-stopped',
    title: 'Redis stops',
    hypothesis:
      'When Redis shuts down, users and products serve reads from PostgreSQL (ready, degraded) and ShipshapeCacheDegraded opens a ticket for each; no order or read fails, and the caches are used again once Redis is back.',
    steadyState: [...STEADY, 'cache-up'],
    fault: { kind: 'redis-command', args: ['SHUTDOWN', 'NOSAVE'] },
    expect: [
      { alert: 'ShipshapeCacheDegraded', labels: { service: 'products' }, withinSeconds: 30 },
      { alert: 'ShipshapeCacheDegraded', labels: { service: 'users' }, withinSeconds: 30 },
    ],
    tolerate: [],
    runbook: 'ShipshapeCacheDegraded.md',
    diagnostics: [
      ...FIRST_LOOK,
      { what: 'is Redis answering', command: ['redis-cli', '-p', '{redisPort}', 'ping'] },
      promQuery('cache lookups by result (Prometheus)', 'sum by (service, result) (rate(cache_requests_total[1m]))'),
    ],
    restore: { kind: 'start-redis' },
    verify: { ...RECOVERED, probesDuringFault: 'unaffected' },
  },
  {
    name: 'slow-dependency',
    title: 'Products answers orders slowly',
    hypothesis:
      'When every answer from products to orders is delayed by 1.2 s, orders still succeed but slowly: ShipshapeOrderCreationLatencyHigh and the order-creation latency budget burn fire; removing the latency restores p99.',
    steadyState: STEADY,
    fault: {
      kind: 'toxic',
      proxy: 'orders-to-products',
      toxic: { type: 'latency', stream: 'downstream', attributes: { latency: 1200, jitter: 50 } },
    },
    expect: [
      { alert: 'ShipshapeOrderCreationLatencyBudgetBurn', labels: { severity: 'critical' }, withinSeconds: 45 },
      { alert: 'ShipshapeOrderCreationLatencyHigh', withinSeconds: 60 },
    ],
    tolerate: ['ShipshapeReadLatencyHigh'],
    runbook: 'ShipshapeOrderCreationLatencyHigh.md',
    diagnostics: [
      ...FIRST_LOOK,
      promQuery(
        'p99 of calls from orders to products (Prometheus)',
        'histogram_quantile(0.99, sum by (le, target) (rate(http_client_request_duration_seconds_bucket{service="orders"}[1m])))',
      ),
      { what: 'toxics on the proxy between orders and products', command: ['toxics', 'orders-to-products'] },
    ],
    restore: { kind: 'remove-toxics', proxy: 'orders-to-products' },
    verify: RECOVERED,
  },
  {
    name: 'stock-exhausted',
    title: 'A burst of orders exhausts a product',
    hypothesis:
      'When clients keep ordering a product that has sold out, the orders are refused with 409 (never oversold, never 5xx) and ShipshapeStockReservationFailureSpike opens a ticket; restocking ends it and the stock invariant holds throughout.',
    steadyState: STEADY,
    fault: { kind: 'order-burst', perSecond: 10, quantity: 1 },
    expect: [{ alert: 'ShipshapeStockReservationFailureSpike', withinSeconds: 60 }],
    tolerate: [],
    runbook: 'ShipshapeStockReservationFailureSpike.md',
    diagnostics: [
      ...FIRST_LOOK,
      promQuery(
        'reservations by result (Prometheus)',
        'sum by (result) (rate(shipshape_stock_reservations_total[1m]))',
      ),
      {
        what: 'products with the least stock (PostgreSQL)',
        command: ['psql', '{database}', '-c', 'SELECT sku, stock FROM catalog.products ORDER BY stock LIMIT 5'],
      },
    ],
    restore: { kind: 'restock' },
    verify: { ...RECOVERED, probesDuringFault: 'unaffected' },
  },
  {
    name: 'bad-release',
    title: 'A bad release of products fails half of its requests',
    hypothesis:
      "When a products release fails half of the requests it serves with 500 (the release gate's rehearsal fault), catalog reads fail for customers (a 500 is not retried), ShipshapeHighErrorRatio and the catalog-read availability burn page, and rolling the release back ends it.",
    steadyState: STEADY,
    fault: { kind: 'release', service: 'products', env: { FAULT_ERROR_RATIO: '0.5' } },
    expect: [
      { alert: 'ShipshapeCatalogReadAvailabilityBudgetBurn', labels: { severity: 'critical' }, withinSeconds: 45 },
      { alert: 'ShipshapeHighErrorRatio', labels: { service: 'products' }, withinSeconds: 45 },
    ],
    // The release and the rollback each replace the only products process: a few seconds of TargetDown, which the
    // drill profile's 2 s `for:` turns into a page (a Deployment would surge instead). Order creation, which reserves
    // stock in products, fails too; and restarting processes on the same cores may slow reads.
    tolerate: [
      'ShipshapeTargetDown',
      'ShipshapeDependencyErrorRatio',
      'ShipshapeCircuitBreakerOpen',
      'ShipshapeOrderCreationAvailabilityBudgetBurn',
      'ShipshapeCatalogReadLatencyBudgetBurn',
      'ShipshapeReadLatencyHigh',
    ],
    runbook: 'ShipshapeCatalogReadAvailabilityBudgetBurn.md',
    diagnostics: [
      ...FIRST_LOOK,
      promQuery(
        '5xx ratio per products route (Prometheus)',
        'sum by (route) (rate(http_server_request_duration_seconds_count{service="products", status_class="5xx"}[1m])) / sum by (route) (rate(http_server_request_duration_seconds_count{service="products"}[1m]))',
      ),
      { what: 'newest warnings and errors of products', command: ['logs', 'products'] },
    ],
    restore: { kind: 'rollback', service: 'products', env: { FAULT_ERROR_RATIO: '0' } },
    verify: RECOVERED,
  },
  {
    name: 'traffic-flood',
    title: 'One client floods the gateway past its rate limit',
    hypothesis:
      'When one client sends far more than its rate limit, the gateway answers it 429 and everyone else is served as before: no 5xx, no page, no ticket.',
    steadyState: STEADY,
    fault: { kind: 'flood', perSecond: 60 },
    expect: [],
    tolerate: [],
    runbook: 'ShipshapeHighErrorRatio.md',
    diagnostics: [
      ...FIRST_LOOK,
      promQuery('requests refused by the rate limit (Prometheus)', 'sum(rate(gateway_rate_limited_total[1m]))'),
    ],
    restore: { kind: 'stop-fault' },
    verify: { ...RECOVERED, probesDuringFault: 'unaffected' },
  },
  {
    name: 'point-in-time-restore',
    title: 'A destructive mistake: the orders tables are dropped',
    hypothesis:
      'When the orders tables are dropped by mistake, order creation fails and pages; restoring the database to just before the statement (base backup plus archived WAL) brings back every order confirmed before it, with the stock invariant intact, and the RPO and RTO are measured.',
    steadyState: STEADY,
    fault: { kind: 'destructive-sql', sql: 'DROP TABLE orders.order_items, orders.orders CASCADE' },
    expect: [
      { alert: 'ShipshapeOrderCreationAvailabilityBudgetBurn', labels: { severity: 'critical' }, withinSeconds: 45 },
      { alert: 'ShipshapeHighErrorRatio', labels: { service: 'orders' }, withinSeconds: 45 },
    ],
    tolerate: [
      'ShipshapeDependencyErrorRatio',
      'ShipshapeCircuitBreakerOpen',
      'ShipshapeDatabaseConnectionErrors',
      'ShipshapeServiceNotReady',
      'ShipshapeCatalogReadAvailabilityBudgetBurn',
    ],
    runbook: 'ShipshapeOrderCreationAvailabilityBudgetBurn.md',
    diagnostics: [
      ...FIRST_LOOK,
      { what: 'newest warnings and errors of orders', command: ['logs', 'orders'] },
      { what: 'DDL statements in the PostgreSQL log', command: ['postgres-log', 'statement: DROP|statement: ALTER'] },
    ],
    restore: { kind: 'point-in-time-restore' },
    verify: { ...RECOVERED, orders: 'before-recovery-point' },
  },
];

export const scenarioNamed = (name: string): Scenario | undefined => SCENARIOS.find((s) => s.name === name);
