// Service overview: RED per service and per route, and the Node.js runtime under it.
import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { DASHBOARD_UIDS } from '../conventions.ts';
import { buildDashboard, q, serviceVariable, stat, timeseries } from './common.ts';

const S = 'service=~"$service"';

export function overviewDashboard(): Dashboard {
  return buildDashboard({
    uid: DASHBOARD_UIDS.overview,
    title: 'Shipshape / Service overview',
    description:
      'Rate, errors and duration of every service and route (probes and docs excluded), from the recording rules in deploy/observability/rules.',
    tags: ['red'],
    variables: [serviceVariable()],
    rows: [
      {
        title: 'Per service',
        panels: [
          stat({
            title: 'Scrape targets up',
            description: 'Instances Prometheus can scrape, per service. Fewer than expected: see ShipshapeTargetDown.',
            unit: 'none',
            width: 6,
            queries: [q(`sum by (service) (up{${S}})`, '{{service}}')],
          }),
          stat({
            title: 'Instances ready',
            description:
              'Instances reporting ready (service_ready). Not ready and not draining usually means the database is unreachable.',
            unit: 'none',
            width: 6,
            queries: [q(`sum by (service) (service_ready{${S}})`, '{{service}}')],
          }),
          stat({
            title: 'Error ratio now',
            description: 'Share of requests answered with 5xx over 5 minutes. Alert at 5% (ShipshapeHighErrorRatio).',
            unit: 'percentunit',
            width: 12,
            thresholds: [
              { value: 0.01, color: 'orange' },
              { value: 0.05, color: 'red' },
            ],
            queries: [q(`service:http_server_request_errors:ratio_rate5m{${S}}`, '{{service}}')],
          }),
          timeseries({
            title: 'Requests per second',
            description: 'Request rate per service (rate over 5 minutes).',
            unit: 'reqps',
            queries: [q(`service:http_server_requests:rate5m{${S}}`, '{{service}}')],
          }),
          timeseries({
            title: 'Error ratio (5xx)',
            description: 'Share of requests answered with a 5xx status, per service.',
            unit: 'percentunit',
            min: 0,
            thresholds: [{ value: 0.05, color: 'red' }],
            queries: [q(`service:http_server_request_errors:ratio_rate5m{${S}}`, '{{service}}')],
          }),
          timeseries({
            title: 'Latency p50 / p90 / p99',
            description: 'Request duration quantiles per service, from the histogram buckets.',
            unit: 's',
            queries: [
              q(`service:http_server_request_duration_seconds:p50_rate5m{${S}}`, '{{service}} p50'),
              q(`service:http_server_request_duration_seconds:p90_rate5m{${S}}`, '{{service}} p90'),
              q(`service:http_server_request_duration_seconds:p99_rate5m{${S}}`, '{{service}} p99'),
            ],
          }),
          timeseries({
            title: 'Responses by status class',
            description: 'Requests per second by service and status class (2xx, 4xx, 5xx).',
            unit: 'reqps',
            stacked: true,
            queries: [q(`service_status_class:http_server_requests:rate5m{${S}}`, '{{service}} {{status_class}}')],
          }),
          timeseries({
            title: 'Read latency p99',
            description: 'p99 of GET requests per service. Alert at 500ms (ShipshapeReadLatencyHigh).',
            unit: 's',
            thresholds: [{ value: 0.5, color: 'red' }],
            queries: [q(`service:http_server_read_request_duration_seconds:p99_rate5m{${S}}`, '{{service}}')],
          }),
          timeseries({
            title: 'In-flight requests',
            description: 'Requests being served right now, per service.',
            unit: 'none',
            queries: [q(`sum by (service) (http_server_active_requests{${S}})`, '{{service}}')],
          }),
        ],
      },
      {
        title: 'Per route',
        panels: [
          timeseries({
            title: 'Requests per second by route',
            description: 'Request rate per route template (Fastify routes; unmatched paths are "unmatched").',
            unit: 'reqps',
            queries: [q(`service_route:http_server_requests:rate5m{${S}}`, '{{service}} {{method}} {{route}}')],
          }),
          timeseries({
            title: 'Error ratio by route',
            description: 'Share of 5xx per route.',
            unit: 'percentunit',
            min: 0,
            queries: [
              q(`service_route:http_server_request_errors:ratio_rate5m{${S}}`, '{{service}} {{method}} {{route}}'),
            ],
          }),
          timeseries({
            title: 'Latency p99 by route',
            description:
              'p99 request duration per route. POST /orders alerts at 1s (ShipshapeOrderCreationLatencyHigh).',
            unit: 's',
            queries: [
              q(
                `service_route:http_server_request_duration_seconds:p99_rate5m{${S}}`,
                '{{service}} {{method}} {{route}}',
              ),
            ],
          }),
          timeseries({
            title: 'Latency p50 by route',
            description: 'Median request duration per route.',
            unit: 's',
            queries: [
              q(
                `service_route:http_server_request_duration_seconds:p50_rate5m{${S}}`,
                '{{service}} {{method}} {{route}}',
              ),
            ],
          }),
        ],
      },
      {
        title: 'Runtime',
        panels: [
          timeseries({
            title: 'CPU per instance',
            description: 'CPU seconds per second used by each Node.js process.',
            unit: 'percentunit',
            width: 6,
            queries: [
              q(
                `sum by (service, instance) (rate(process_cpu_seconds_total{${S}}[$__rate_interval]))`,
                '{{service}} {{instance}}',
              ),
            ],
          }),
          timeseries({
            title: 'Resident memory',
            description: 'Resident set size of each process.',
            unit: 'bytes',
            width: 6,
            queries: [
              q(`sum by (service, instance) (process_resident_memory_bytes{${S}})`, '{{service}} {{instance}}'),
            ],
          }),
          timeseries({
            title: 'Heap used',
            description: 'V8 heap in use.',
            unit: 'bytes',
            width: 6,
            queries: [q(`sum by (service, instance) (nodejs_heap_size_used_bytes{${S}})`, '{{service}} {{instance}}')],
          }),
          timeseries({
            title: 'Event loop lag p99',
            description: 'How long callbacks wait for the event loop; above ~100ms every request slows down.',
            unit: 's',
            width: 6,
            queries: [
              q(`max by (service, instance) (nodejs_eventloop_lag_p99_seconds{${S}})`, '{{service}} {{instance}}'),
            ],
          }),
          timeseries({
            title: 'Time in garbage collection',
            description:
              "Share of each process's main thread spent collecting garbage, every kind together (scavenges of the young generation are most of it under load).",
            unit: 'percentunit',
            width: 12,
            queries: [
              q(
                `sum by (service, instance) (rate(nodejs_gc_duration_seconds_sum{${S}}[$__rate_interval]))`,
                '{{service}} {{instance}}',
              ),
            ],
          }),
          timeseries({
            title: 'Major garbage collections',
            description:
              'Mark-compact collections a second. A heap held small by --max-old-space-size can settle under load into one every few hundred milliseconds, each with concurrent marking on another core; steadily above about one a second is that regime. The images run Node with --no-allocation-site-pretenuring, which keeps it from starting as load begins (docs/benchmark.md).',
            unit: 'ops',
            width: 12,
            queries: [
              q(
                `sum by (service, instance) (rate(nodejs_gc_duration_seconds_count{kind="major", ${S}}[$__rate_interval]))`,
                '{{service}} {{instance}}',
              ),
            ],
          }),
        ],
      },
    ],
  });
}
