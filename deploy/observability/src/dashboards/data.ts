// PostgreSQL pools and queries, database errors, and the Redis cache.
import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { DASHBOARD_UIDS } from '../conventions.ts';
import { buildDashboard, q, serviceVariable, state, timeseries } from './common.ts';

const S = 'service=~"$service"';

export function dataDashboard(): Dashboard {
  return buildDashboard({
    uid: DASHBOARD_UIDS.data,
    title: 'Shipshape / Data',
    description: 'Database pool, query latency and errors by kind, cache hit ratio and degraded mode.',
    tags: ['database', 'cache'],
    variables: [serviceVariable()],
    rows: [
      {
        title: 'PostgreSQL',
        panels: [
          timeseries({
            title: 'Database errors by kind',
            description:
              'connection and timeout: cannot reach PostgreSQL (ShipshapeDatabaseConnectionErrors); auth: credentials rejected (ShipshapeDatabaseAuthErrors); query: a statement failed. 0 when healthy.',
            unit: 'reqps',
            queries: [
              q(
                `sum by (service, kind) (rate(db_client_errors_total{${S}}[$__rate_interval])) or sum by (service) (db_client_connections_max{${S}}) * 0`,
                '{{service}} {{kind}}',
              ),
            ],
          }),
          timeseries({
            title: 'Query latency p99',
            description: 'p99 duration of database operations per service.',
            unit: 's',
            queries: [q(`service:db_client_operation_duration_seconds:p99_rate5m{${S}}`, '{{service}}')],
          }),
          timeseries({
            title: 'Operations per second',
            description: 'Database operations per service, operation and outcome.',
            unit: 'ops',
            stacked: true,
            queries: [
              q(
                `sum by (service, operation, outcome) (rate(db_client_operation_duration_seconds_count{${S}}[$__rate_interval]))`,
                '{{service}} {{operation}} {{outcome}}',
              ),
            ],
          }),
          timeseries({
            title: 'Pool connections',
            description:
              'Connections per state (idle, used, waiting = requests queued for a connection) against the pool size.',
            unit: 'none',
            queries: [
              q(`sum by (service, state) (db_client_connections{${S}})`, '{{service}} {{state}}'),
              q(`sum by (service) (db_client_connections_max{${S}})`, '{{service}} max'),
            ],
          }),
          timeseries({
            title: 'Pool utilisation',
            description:
              'Used connections over the pool size. Near 100% with requests waiting: raise DATABASE_POOL_MAX or find slow queries.',
            unit: 'percentunit',
            min: 0,
            max: 1,
            thresholds: [
              { value: 0.8, color: 'orange' },
              { value: 0.95, color: 'red' },
            ],
            queries: [q(`service:db_client_connections_used:ratio{${S}}`, '{{service}}')],
          }),
          state({
            title: 'Readiness',
            description: 'service_ready per service: not ready while draining or while the database is down.',
            unit: 'none',
            thresholds: [{ value: 1, color: 'green' }],
            mappings: { '0': 'not ready', '1': 'ready' },
            queries: [q(`min by (service) (service_ready{${S}})`, '{{service}}')],
          }),
        ],
      },
      {
        title: 'Cache',
        panels: [
          timeseries({
            title: 'Cache hit ratio',
            description: 'Hits over all lookups per cache (misses and errors count against it).',
            unit: 'percentunit',
            min: 0,
            max: 1,
            queries: [q(`service_cache:cache_requests_hit:ratio_rate5m{${S}}`, '{{service}} {{cache}}')],
          }),
          timeseries({
            title: 'Cache lookups by result',
            description: 'Lookups per second by result: hit, miss, error.',
            unit: 'ops',
            stacked: true,
            queries: [
              q(
                `sum by (service, cache, result) (rate(cache_requests_total{${S}}[$__rate_interval]))`,
                '{{service}} {{cache}} {{result}}',
              ),
            ],
          }),
          state({
            title: 'Cache backend',
            description:
              'cache_up per service that uses a cache: degraded means Redis is unusable and reads go to PostgreSQL (ShipshapeCacheDegraded).',
            unit: 'none',
            width: 24,
            thresholds: [{ value: 1, color: 'green' }],
            mappings: { '0': 'degraded', '1': 'up' },
            queries: [
              q(
                `min by (service) (cache_up{${S}} and on (service, instance) group by (service, instance) (cache_requests_total))`,
                '{{service}}',
              ),
            ],
          }),
        ],
      },
    ],
  });
}
