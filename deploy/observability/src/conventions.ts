// Names every rule and dashboard shares, so a service or a route class is spelled in one place.

import { SERVICES } from '../../../tools/dev/services.ts';

/** The services that export the metric contract (each series carries `service="<name>"`): all of the registry's. */
export { SERVICES, type ServiceName } from '../../../tools/dev/services.ts';

/** Regex matching our services, for `service=~` and for Kubernetes `container=~` selectors. */
export const SERVICE_REGEX = SERVICES.join('|');

/** Probe and documentation routes: excluded from RED so kubelet probes do not dilute error ratios and latency. */
export const APP_ROUTES = 'route!~"/health|/health/.*|/ready|/docs|/docs/.*"';

/** Histogram buckets of every duration histogram (libs/platform/src/metrics.ts); latency thresholds must be one of them. */
export const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;

/** Where each alert's runbook lives: `<base>/<AlertName>.md`. Change it here for a fork, then regenerate. */
export const RUNBOOK_BASE_URL = 'https://github.com/shipshape/shipshape/blob/main/docs/runbooks';

export const runbookUrl = (alert: string): string => `${RUNBOOK_BASE_URL}/${alert}.md`;

/** Dashboard uids, used by alert annotations to point at the right board. */
export const DASHBOARD_UIDS = {
  overview: 'shipshape-overview',
  dependencies: 'shipshape-dependencies',
  data: 'shipshape-data',
  platform: 'shipshape-platform',
  business: 'shipshape-business',
  slo: 'shipshape-slo',
} as const;

export const dashboardPath = (uid: string): string => `/d/${uid}`;
