// What the shop does: orders, failures by reason, stock reservations and releases, rate limiting.
import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { DASHBOARD_UIDS } from '../conventions.ts';
import { buildDashboard, q, stat, timeseries } from './common.ts';

const FAILED_RESERVATIONS = 'result=~"insufficient_stock|unknown_product"';

export function businessDashboard(): Dashboard {
  return buildDashboard({
    uid: DASHBOARD_UIDS.business,
    title: 'Shipshape / Business',
    description:
      'Orders per minute, the p99 of each step of a placement, cancellations, order failures by reason, stock reservations and releases.',
    tags: ['business'],
    variables: [],
    rows: [
      {
        title: 'Orders',
        panels: [
          stat({
            title: 'Orders in range',
            description: 'Orders created in the selected time range.',
            unit: 'none',
            width: 6,
            queries: [q('sum(increase(shipshape_orders_created_total[$__range]))', 'created')],
          }),
          stat({
            title: 'Cancellations in range',
            description: 'Orders cancelled in the selected time range.',
            unit: 'none',
            width: 6,
            queries: [q('sum(increase(shipshape_orders_cancelled_total[$__range]))', 'cancelled')],
          }),
          stat({
            title: 'Reservation failure ratio',
            description:
              'Share of stock reservations that failed over 10 minutes. Alert at 20% (ShipshapeStockReservationFailureSpike).',
            unit: 'percentunit',
            width: 12,
            thresholds: [{ value: 0.2, color: 'red' }],
            queries: [
              q(
                `(sum(rate(shipshape_stock_reservations_total{${FAILED_RESERVATIONS}}[10m])) or vector(0)) / sum(rate(shipshape_stock_reservations_total[10m]))`,
                'failed',
              ),
            ],
          }),
          timeseries({
            title: 'Orders per minute',
            description: 'Orders created and cancelled per minute.',
            unit: 'none',
            queries: [
              q('sum(rate(shipshape_orders_created_total[$__rate_interval])) * 60', 'created'),
              q('sum(rate(shipshape_orders_cancelled_total[$__rate_interval])) * 60', 'cancelled'),
            ],
          }),
          timeseries({
            title: 'Order placement steps, p99',
            description:
              'Where an order spends its time, per step of its placement in orders: claim (the Idempotency-Key) and user_check side by side, then reserve and record. A grouped step includes the wait for the group already on its way; reserve holds most of the tail under load (docs/benchmark.md).',
            unit: 's',
            queries: [
              q(
                'histogram_quantile(0.99, sum by (stage, le) (rate(shipshape_order_stage_duration_seconds_bucket[$__rate_interval])))',
                '{{stage}}',
              ),
            ],
          }),
          timeseries({
            title: 'Order failures per minute by reason',
            description:
              'Orders refused or failed: unknown_user, unknown_product, insufficient_stock (client or catalog problems), dependency_unavailable, idempotency_conflict, internal (ours).',
            unit: 'none',
            stacked: true,
            queries: [q('sum by (reason) (rate(shipshape_order_failures_total[$__rate_interval])) * 60', '{{reason}}')],
          }),
        ],
      },
      {
        title: 'Stock',
        panels: [
          timeseries({
            title: 'Stock reservations per minute by result',
            description: 'reserved, replayed (an idempotent retry), insufficient_stock, unknown_product.',
            unit: 'none',
            stacked: true,
            queries: [
              q('sum by (result) (rate(shipshape_stock_reservations_total[$__rate_interval])) * 60', '{{result}}'),
            ],
          }),
          timeseries({
            title: 'Stock releases per minute',
            description:
              'Stock returned by cancellations, and by the reconciler for reservations whose order never completed.',
            unit: 'none',
            queries: [
              q('sum(rate(shipshape_stock_releases_total[$__rate_interval])) * 60', 'released'),
              q('sum(rate(shipshape_reconciler_released_total[$__rate_interval])) * 60', 'released by the reconciler'),
            ],
          }),
          timeseries({
            title: 'Rate-limited requests per minute',
            description: 'Requests the gateway refused with 429.',
            unit: 'none',
            queries: [q('sum(rate(gateway_rate_limited_total[$__rate_interval])) * 60', 'rate limited')],
          }),
        ],
      },
    ],
  });
}
