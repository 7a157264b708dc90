// RED recording rules per service and route, plus the dependency, database and cache aggregates the dashboards and
// alerts read. Naming follows the Prometheus convention level:metric:operations.
// Ratios use `(errors or total * 0) / total`, so a service with traffic and no errors records 0 rather than nothing.
import { APP_ROUTES } from './conventions.ts';
import type { RecordingRule, RuleFile } from './rule-types.ts';

const W = '5m';
const COUNT = 'http_server_request_duration_seconds_count';
const BUCKET = 'http_server_request_duration_seconds_bucket';
const CLIENT_COUNT = 'http_client_request_duration_seconds_count';
const CLIENT_BUCKET = 'http_client_request_duration_seconds_bucket';

/** Share of `metric` matching `part`: `(sum by (by) (rate(metric{part})) or total * 0) / total`. */
export function ratioOf(metric: string, by: string, base: string, part: string, window: string): string {
  const sel = (extra: string) => `{${[base, extra].filter(Boolean).join(', ')}}`;
  const total = `sum by (${by}) (rate(${metric}${sel('')}[${window}]))`;
  return `(sum by (${by}) (rate(${metric}${sel(part)}[${window}])) or ${total} * 0) / ${total}`;
}

export function quantile(q: number, bucket: string, by: string, selector: string, window: string): string {
  const le = by ? `${by}, le` : 'le';
  return `histogram_quantile(${q}, sum by (${le}) (rate(${bucket}{${selector}}[${window}])))`;
}

const http: RecordingRule[] = [
  { record: 'service:http_server_requests:rate5m', expr: `sum by (service) (rate(${COUNT}{${APP_ROUTES}}[${W}]))` },
  {
    record: 'service_status_class:http_server_requests:rate5m',
    expr: `sum by (service, status_class) (rate(${COUNT}{${APP_ROUTES}}[${W}]))`,
  },
  {
    record: 'service:http_server_request_errors:ratio_rate5m',
    expr: ratioOf(COUNT, 'service', APP_ROUTES, 'status_class="5xx"', W),
  },
  ...([0.5, 0.9, 0.99] as const).map((q) => ({
    record: `service:http_server_request_duration_seconds:p${Math.round(q * 100)}_rate5m`,
    expr: quantile(q, BUCKET, 'service', APP_ROUTES, W),
  })),
  {
    record: 'service:http_server_read_request_duration_seconds:p99_rate5m',
    expr: quantile(0.99, BUCKET, 'service', `method="GET", ${APP_ROUTES}, route!="unmatched"`, W),
  },
  {
    record: 'service_route:http_server_requests:rate5m',
    expr: `sum by (service, method, route) (rate(${COUNT}{${APP_ROUTES}}[${W}]))`,
  },
  {
    record: 'service_route:http_server_request_errors:ratio_rate5m',
    expr: ratioOf(COUNT, 'service, method, route', APP_ROUTES, 'status_class="5xx"', W),
  },
  ...([0.5, 0.99] as const).map((q) => ({
    record: `service_route:http_server_request_duration_seconds:p${Math.round(q * 100)}_rate5m`,
    expr: quantile(q, BUCKET, 'service, method, route', APP_ROUTES, W),
  })),
];

const dependencies: RecordingRule[] = [
  {
    record: 'service_target:http_client_requests:rate5m',
    expr: `sum by (service, target) (rate(${CLIENT_COUNT}[${W}]))`,
  },
  {
    record: 'service_target:http_client_request_errors:ratio_rate5m',
    expr: ratioOf(CLIENT_COUNT, 'service, target', '', 'status_class=~"5xx|error"', W),
  },
  {
    record: 'service_target:http_client_request_duration_seconds:p99_rate5m',
    expr: `histogram_quantile(0.99, sum by (service, target, le) (rate(${CLIENT_BUCKET}[${W}])))`,
  },
];

const data: RecordingRule[] = [
  {
    record: 'service:db_client_operation_duration_seconds:p99_rate5m',
    expr: `histogram_quantile(0.99, sum by (service, le) (rate(db_client_operation_duration_seconds_bucket[${W}])))`,
  },
  {
    // Zero for every service with a pool when there are no errors, so the panel and alerts never read "no data".
    record: 'service:db_client_errors:rate5m',
    expr: `sum by (service) (rate(db_client_errors_total[${W}])) or sum by (service) (db_client_connections_max) * 0`,
  },
  {
    record: 'service:db_client_connections_used:ratio',
    expr: 'sum by (service) (db_client_connections{state="used"}) / sum by (service) (db_client_connections_max)',
  },
  {
    record: 'service_cache:cache_requests_hit:ratio_rate5m',
    expr: ratioOf('cache_requests_total', 'service, cache', '', 'result="hit"', W),
  },
];

export const recordingRules: RuleFile = {
  groups: [
    { name: 'shipshape-red-records', rules: http },
    { name: 'shipshape-dependency-records', rules: dependencies },
    { name: 'shipshape-data-records', rules: data },
  ],
};
