import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';

export interface DashboardFile {
  file: string;
  dashboard: Dashboard;
}

export function dashboards(): DashboardFile[] {
  return [];
}
