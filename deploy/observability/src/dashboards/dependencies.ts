// Calls between services: rate, errors, latency, retries and circuit breakers, seen from the caller.
import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { DASHBOARD_UIDS } from '../conventions.ts';
import { buildDashboard, q, serviceVariable, state, timeseries } from './common.ts';

const S = 'service=~"$service"';
const CALLS = `http_client_request_duration_seconds_count{${S}}`;

export function dependenciesDashboard(): Dashboard {
  return buildDashboard({
    uid: DASHBOARD_UIDS.dependencies,
    title: 'Shipshape / Dependencies',
    description:
      'Calls from the gateway and orders to the other services: latency, errors (5xx, timeouts, refused, open circuit), retries and circuit-breaker state.',
    tags: ['dependencies'],
    variables: [serviceVariable()],
    rows: [
      {
        title: 'Calls',
        panels: [
          timeseries({
            title: 'Calls per second',
            description: 'Outbound calls per caller and target, retries included.',
            unit: 'reqps',
            queries: [q(`service_target:http_client_requests:rate5m{${S}}`, '{{service}} → {{target}}')],
          }),
          timeseries({
            title: 'Call error ratio',
            description:
              'Share of calls that failed with 5xx or never got an answer (status_class="error": timeout, refused, open circuit). Alert at 10% (ShipshapeDependencyErrorRatio).',
            unit: 'percentunit',
            min: 0,
            thresholds: [{ value: 0.1, color: 'red' }],
            queries: [q(`service_target:http_client_request_errors:ratio_rate5m{${S}}`, '{{service}} → {{target}}')],
          }),
          timeseries({
            title: 'Call latency p99',
            description: 'p99 duration of calls per caller and target, retries included.',
            unit: 's',
            queries: [
              q(`service_target:http_client_request_duration_seconds:p99_rate5m{${S}}`, '{{service}} → {{target}}'),
            ],
          }),
          timeseries({
            title: 'Calls by operation and outcome',
            description:
              'Calls per second by operation (get_user, reserve_stock, release_stock, proxy, ...) and status class.',
            unit: 'reqps',
            stacked: true,
            queries: [
              q(
                `sum by (service, target, operation, status_class) (rate(${CALLS}[$__rate_interval]))`,
                '{{service}} → {{target}} {{operation}} {{status_class}}',
              ),
            ],
          }),
        ],
      },
      {
        title: 'Resilience',
        panels: [
          state({
            title: 'Circuit breaker state',
            description:
              'Per caller and target: closed (calls flow), half-open (one trial call), open (calls fail fast). Alert when open for 1m (ShipshapeCircuitBreakerOpen).',
            unit: 'none',
            width: 24,
            thresholds: [
              { value: 1, color: 'orange' },
              { value: 2, color: 'red' },
            ],
            mappings: { '0': 'closed', '1': 'half-open', '2': 'open' },
            queries: [q(`max by (service, target) (circuit_breaker_state{${S}})`, '{{service}} → {{target}}')],
          }),
          timeseries({
            title: 'Retries per second',
            description: 'Retries of idempotent calls; 0 while every first try succeeds.',
            unit: 'reqps',
            queries: [
              q(
                `sum by (service, target, operation) (rate(http_client_retries_total{${S}}[$__rate_interval])) or sum by (service, target, operation) (rate(${CALLS}[$__rate_interval])) * 0`,
                '{{service}} → {{target}} {{operation}}',
              ),
            ],
          }),
          timeseries({
            title: 'Circuit breaker transitions',
            description: 'State changes per caller, target and new state; 0 while every circuit stays closed.',
            unit: 'none',
            queries: [
              q(
                `sum by (service, target, state) (increase(circuit_breaker_transitions_total{${S}}[$__rate_interval])) or sum by (service, target) (circuit_breaker_state{${S}}) * 0`,
                '{{service}} → {{target}} {{state}}',
              ),
            ],
          }),
        ],
      },
    ],
  });
}
