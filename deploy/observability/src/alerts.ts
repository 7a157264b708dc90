// Symptom and cause alerts. Each one has a runbook at docs/runbooks/<alert>.md and a promtool unit test that shows
// it firing and staying quiet (deploy/observability/tests/).
import { DASHBOARD_UIDS, SERVICE_REGEX, dashboardPath, runbookUrl } from './conventions.ts';
import type { AlertRule, RuleFile, Severity } from './rule-types.ts';

interface AlertSpec {
  alert: string;
  expr: string;
  for: string;
  severity: Severity;
  summary: string;
  description: string;
  dashboard: string;
}

export const alert = (spec: AlertSpec): AlertRule => ({
  alert: spec.alert,
  expr: spec.expr,
  for: spec.for,
  labels: { severity: spec.severity },
  annotations: {
    summary: spec.summary,
    description: spec.description,
    runbook_url: runbookUrl(spec.alert),
    dashboard: dashboardPath(spec.dashboard),
  },
});

/** Thresholds in one place; the runbooks and docs quote them. */
export const THRESHOLDS = {
  errorRatio: 0.05,
  minRequestRate: 0.1,
  orderCreationP99Seconds: 1,
  readP99Seconds: 0.5,
  dependencyErrorRatio: 0.1,
  restartsIn15m: 3,
  reservationFailureRatio: 0.2,
  minReservationFailureRate: 0.05,
} as const;

const symptoms: AlertRule[] = [
  alert({
    alert: 'ShipshapeHighErrorRatio',
    expr:
      `service:http_server_request_errors:ratio_rate5m > ${THRESHOLDS.errorRatio}` +
      ` and on (service) service:http_server_requests:rate5m > ${THRESHOLDS.minRequestRate}`,
    for: '5m',
    severity: 'critical',
    summary: '{{ $labels.service }} answers more than 5% of requests with 5xx',
    description:
      '{{ $labels.service }} has answered {{ $value | humanizePercentage }} of its requests with a 5xx status over the last 5 minutes.',
    dashboard: DASHBOARD_UIDS.overview,
  }),
  alert({
    alert: 'ShipshapeOrderCreationLatencyHigh',
    expr: `service_route:http_server_request_duration_seconds:p99_rate5m{service="orders", method="POST", route="/orders"} > ${THRESHOLDS.orderCreationP99Seconds}`,
    for: '10m',
    severity: 'warning',
    summary: 'p99 latency of order creation is above 1s',
    description:
      'POST /orders on the orders service has a p99 latency of {{ $value | humanizeDuration }} over the last 5 minutes.',
    dashboard: DASHBOARD_UIDS.overview,
  }),
  alert({
    alert: 'ShipshapeReadLatencyHigh',
    expr: `service:http_server_read_request_duration_seconds:p99_rate5m > ${THRESHOLDS.readP99Seconds}`,
    for: '10m',
    severity: 'warning',
    summary: 'p99 latency of reads on {{ $labels.service }} is above 500ms',
    description:
      'GET requests on {{ $labels.service }} have a p99 latency of {{ $value | humanizeDuration }} over the last 5 minutes.',
    dashboard: DASHBOARD_UIDS.overview,
  }),
];

const availability: AlertRule[] = [
  alert({
    alert: 'ShipshapeTargetDown',
    expr: `up{service=~"${SERVICE_REGEX}"} == 0`,
    for: '2m',
    severity: 'critical',
    summary: 'Prometheus cannot scrape {{ $labels.service }} at {{ $labels.instance }}',
    description:
      'The scrape of {{ $labels.service }} ({{ $labels.instance }}, job {{ $labels.job }}) has failed for 2 minutes: the process is down, hung, or unreachable.',
    dashboard: DASHBOARD_UIDS.overview,
  }),
  alert({
    alert: 'ShipshapeServiceNotReady',
    expr: `service_ready == 0`,
    for: '3m',
    severity: 'critical',
    summary: '{{ $labels.service }} at {{ $labels.instance }} reports not ready',
    description:
      '{{ $labels.service }} has reported not ready for 3 minutes, so it receives no traffic. It is not draining: usually its database is unreachable.',
    dashboard: DASHBOARD_UIDS.data,
  }),
  alert({
    alert: 'ShipshapePodCrashLooping',
    expr: `max by (namespace, pod, container) (kube_pod_container_status_waiting_reason{reason="CrashLoopBackOff", container=~"${SERVICE_REGEX}"}) == 1`,
    for: '5m',
    severity: 'critical',
    summary: 'Container {{ $labels.container }} of pod {{ $labels.namespace }}/{{ $labels.pod }} is crash-looping',
    description:
      'Container {{ $labels.container }} in {{ $labels.namespace }}/{{ $labels.pod }} has been in CrashLoopBackOff for 5 minutes.',
    dashboard: DASHBOARD_UIDS.platform,
  }),
  alert({
    alert: 'ShipshapePodRestarting',
    expr: `increase(kube_pod_container_status_restarts_total{container=~"${SERVICE_REGEX}"}[15m]) >= ${THRESHOLDS.restartsIn15m}`,
    for: '0m',
    severity: 'warning',
    summary:
      'Container {{ $labels.container }} of pod {{ $labels.namespace }}/{{ $labels.pod }} restarted {{ $value | humanize }} times in 15 minutes',
    description:
      'Container {{ $labels.container }} in {{ $labels.namespace }}/{{ $labels.pod }} keeps restarting (OOM kills, failing liveness probes or crashes at start).',
    dashboard: DASHBOARD_UIDS.platform,
  }),
];

const dependencies: AlertRule[] = [
  alert({
    alert: 'ShipshapeDatabaseConnectionErrors',
    expr: `sum by (service) (increase(db_client_errors_total{kind=~"connection|timeout"}[5m])) > 0`,
    for: '2m',
    severity: 'critical',
    summary: '{{ $labels.service }} cannot connect to PostgreSQL',
    description:
      '{{ $labels.service }} failed to get or keep a database connection {{ $value | humanize }} times in the last 5 minutes, and has kept failing for 2 minutes.',
    dashboard: DASHBOARD_UIDS.data,
  }),
  alert({
    alert: 'ShipshapeDatabaseAuthErrors',
    expr: `sum by (service) (increase(db_client_errors_total{kind="auth"}[5m])) > 0`,
    for: '0m',
    severity: 'critical',
    summary: 'PostgreSQL rejects the credentials of {{ $labels.service }}',
    description:
      '{{ $labels.service }} got {{ $value | humanize }} authentication failures from PostgreSQL in 5 minutes: the password or user in its secret does not match the database.',
    dashboard: DASHBOARD_UIDS.data,
  }),
  alert({
    alert: 'ShipshapeCacheDegraded',
    // Only instances that use a cache: a service without one may still export cache_up 0.
    expr: `cache_up == 0 and on (service, instance) group by (service, instance) (cache_requests_total)`,
    for: '5m',
    severity: 'warning',
    summary: '{{ $labels.service }} runs without its Redis cache',
    description:
      '{{ $labels.service }} at {{ $labels.instance }} has reported its cache unusable for 5 minutes; reads go to PostgreSQL (degraded mode).',
    dashboard: DASHBOARD_UIDS.data,
  }),
  alert({
    alert: 'ShipshapeDependencyErrorRatio',
    expr:
      `service_target:http_client_request_errors:ratio_rate5m > ${THRESHOLDS.dependencyErrorRatio}` +
      ` and on (service, target) service_target:http_client_requests:rate5m > ${THRESHOLDS.minRequestRate}`,
    for: '5m',
    severity: 'warning',
    summary: 'Calls from {{ $labels.service }} to {{ $labels.target }} fail',
    description:
      '{{ $value | humanizePercentage }} of the calls from {{ $labels.service }} to {{ $labels.target }} failed (5xx, timeout, refused or open circuit) over 5 minutes.',
    dashboard: DASHBOARD_UIDS.dependencies,
  }),
  alert({
    alert: 'ShipshapeCircuitBreakerOpen',
    expr: `max by (service, target) (circuit_breaker_state) == 2`,
    for: '1m',
    severity: 'warning',
    summary: 'Circuit from {{ $labels.service }} to {{ $labels.target }} is open',
    description:
      '{{ $labels.service }} has stopped calling {{ $labels.target }} for a minute after repeated failures; requests that need it fail fast with 503.',
    dashboard: DASHBOARD_UIDS.dependencies,
  }),
];

const business: AlertRule[] = [
  alert({
    alert: 'ShipshapeStockReservationFailureSpike',
    expr:
      `sum(rate(shipshape_stock_reservations_total{result=~"insufficient_stock|unknown_product"}[10m]))` +
      ` / sum(rate(shipshape_stock_reservations_total[10m])) > ${THRESHOLDS.reservationFailureRatio}` +
      ` and sum(rate(shipshape_stock_reservations_total{result=~"insufficient_stock|unknown_product"}[10m])) > ${THRESHOLDS.minReservationFailureRate}`,
    for: '10m',
    severity: 'warning',
    summary: 'More than 20% of stock reservations fail',
    description:
      '{{ $value | humanizePercentage }} of stock reservations failed (insufficient stock or unknown product) over 10 minutes: a product sold out, a bad catalog change, or a client sending stale ids.',
    dashboard: DASHBOARD_UIDS.business,
  }),
];

export const alertRules: RuleFile = {
  groups: [
    { name: 'shipshape-symptom-alerts', rules: symptoms },
    { name: 'shipshape-availability-alerts', rules: availability },
    { name: 'shipshape-dependency-alerts', rules: dependencies },
    { name: 'shipshape-business-alerts', rules: business },
  ],
};
