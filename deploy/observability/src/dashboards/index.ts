import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { loadSloFile } from '../slo.ts';
import { businessDashboard } from './business.ts';
import { dataDashboard } from './data.ts';
import { dependenciesDashboard } from './dependencies.ts';
import { overviewDashboard } from './overview.ts';
import { platformDashboard } from './platform.ts';
import { sloDashboard } from './slo.ts';

export interface DashboardFile {
  file: string;
  /** Panels that read Kubernetes-only series (kube-state-metrics, cAdvisor): checked against fixtures, not the live stack. */
  kubernetesOnly: boolean;
  dashboard: Dashboard;
}

export function dashboards(): DashboardFile[] {
  return [
    { file: 'service-overview.json', kubernetesOnly: false, dashboard: overviewDashboard() },
    { file: 'dependencies.json', kubernetesOnly: false, dashboard: dependenciesDashboard() },
    { file: 'data.json', kubernetesOnly: false, dashboard: dataDashboard() },
    { file: 'platform.json', kubernetesOnly: true, dashboard: platformDashboard() },
    { file: 'business.json', kubernetesOnly: false, dashboard: businessDashboard() },
    { file: 'slo.json', kubernetesOnly: false, dashboard: sloDashboard(loadSloFile()) },
  ];
}
