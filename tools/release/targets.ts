// Where the rehearsal (and anything else here that scrapes a service) finds a service's metrics: one place, so moving
// /metrics to its own METRICS_PORT listener is a one-line change here.
export interface ScrapeTarget {
  /** host:port Prometheus scrapes (also the `instance` label). */
  address: string;
  path: string;
}

/** The metrics endpoint of a service instance, from the URL it serves its API on. */
export function metricsTarget(serviceUrl: string): ScrapeTarget {
  return { address: new URL(serviceUrl).host, path: '/metrics' };
}
