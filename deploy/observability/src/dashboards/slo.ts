// One row per SLO declared in slo.yaml: budget left, SLI over the period, burn rate against the alert thresholds.
import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { DASHBOARD_UIDS } from '../conventions.ts';
import type { SloFile } from '../slo.ts';
import { buildDashboard, q, stat, timeseries, type RowSpec } from './common.ts';

export function sloDashboard(file: SloFile): Dashboard {
  const factors = [...new Set(file.burnRateAlerts.flatMap((a) => a.conditions.map((c) => c.factor)))].sort(
    (a, b) => a - b,
  );
  const rows: RowSpec[] = file.slos.map((slo) => {
    const sel = `{slo="${slo.name}"}`;
    const longest = file.burnRateAlerts.flatMap((a) => a.conditions.map((c) => c.longWindow));
    return {
      title: `${slo.name}: ${slo.description} (objective ${Number((slo.objective * 100).toPrecision(10))}% over ${file.period})`,
      panels: [
        stat({
          title: 'Error budget remaining',
          description: `Share of the ${file.period} error budget not yet spent. Below 0 the objective is missed.`,
          unit: 'percentunit',
          width: 6,
          thresholds: [
            { value: 0, color: 'red' },
            { value: 0.25, color: 'orange' },
            { value: 0.5, color: 'green' },
          ],
          queries: [q(`slo:period_error_budget_remaining:ratio${sel}`, 'remaining')],
        }),
        stat({
          title: `SLI over ${file.period}`,
          description: 'Share of good requests over the period, against the objective.',
          unit: 'percentunit',
          width: 6,
          queries: [
            q(`1 - slo:sli_error:ratio_rate${file.period}${sel}`, 'good'),
            q(`slo:objective:ratio${sel}`, 'objective'),
          ],
        }),
        timeseries({
          title: 'Burn rate',
          description: `How fast the budget burns (1 = exactly spent at the end of ${file.period}). Alerts use ${factors.join(', ')}x over paired windows.`,
          unit: 'none',
          thresholds: factors.map((f) => ({ value: f, color: f >= 10 ? 'red' : 'orange' })),
          queries: [
            q(`slo:current_burn_rate:ratio${sel}`, '5m'),
            ...[...new Set(longest)].map((w) =>
              q(`slo:sli_error:ratio_rate${w}${sel} / on (slo) (1 - slo:objective:ratio${sel})`, w),
            ),
          ],
        }),
      ],
    };
  });
  return buildDashboard({
    uid: DASHBOARD_UIDS.slo,
    title: 'Shipshape / SLOs',
    description: 'Service level objectives from deploy/observability/slo.yaml: error budget remaining and burn rates.',
    tags: ['slo'],
    variables: [],
    rows,
  });
}
