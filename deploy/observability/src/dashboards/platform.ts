// Kubernetes: restarts, crash loops, CPU and memory against requests and limits, autoscaler replicas.
// Series come from kube-state-metrics and cAdvisor; containers are named after the service they run.
import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { DASHBOARD_UIDS } from '../conventions.ts';
import { SERVICE_CONTAINERS, buildDashboard, labelVariable, q, stat, timeseries } from './common.ts';

const C = `namespace=~"$namespace", ${SERVICE_CONTAINERS}`;

export function platformDashboard(): Dashboard {
  return buildDashboard({
    uid: DASHBOARD_UIDS.platform,
    title: 'Shipshape / Platform',
    description:
      'Pods of the four services on Kubernetes: restarts, crash loops, CPU and memory against requests and limits, HPA replicas.',
    tags: ['kubernetes'],
    variables: [labelVariable('namespace', 'Namespace', 'kube_pod_container_status_restarts_total', 'namespace')],
    rows: [
      {
        title: 'Pods',
        panels: [
          stat({
            title: 'Restarts in the last hour',
            description:
              'Container restarts per service over the last hour. Alert at 3 in 15 minutes (ShipshapePodRestarting).',
            unit: 'none',
            thresholds: [
              { value: 1, color: 'orange' },
              { value: 3, color: 'red' },
            ],
            queries: [
              q(`sum by (container) (increase(kube_pod_container_status_restarts_total{${C}}[1h]))`, '{{container}}'),
            ],
          }),
          stat({
            title: 'Containers in CrashLoopBackOff',
            description: 'Containers waiting in CrashLoopBackOff right now (ShipshapePodCrashLooping).',
            unit: 'none',
            thresholds: [{ value: 1, color: 'red' }],
            queries: [
              q(
                `sum by (container) (kube_pod_container_status_waiting_reason{reason="CrashLoopBackOff", ${C}})`,
                '{{container}}',
              ),
            ],
          }),
          timeseries({
            title: 'Restarts',
            description: 'Restarts per pod and container over time.',
            unit: 'none',
            queries: [
              q(
                `sum by (pod, container) (increase(kube_pod_container_status_restarts_total{${C}}[$__rate_interval]))`,
                '{{pod}} {{container}}',
              ),
            ],
          }),
          timeseries({
            title: 'HPA replicas',
            description: 'Current and desired replicas of each HorizontalPodAutoscaler, and its maximum.',
            unit: 'none',
            queries: [
              q(
                `sum by (horizontalpodautoscaler) (kube_horizontalpodautoscaler_status_current_replicas{namespace=~"$namespace"})`,
                '{{horizontalpodautoscaler}} current',
              ),
              q(
                `sum by (horizontalpodautoscaler) (kube_horizontalpodautoscaler_status_desired_replicas{namespace=~"$namespace"})`,
                '{{horizontalpodautoscaler}} desired',
              ),
              q(
                `sum by (horizontalpodautoscaler) (kube_horizontalpodautoscaler_spec_max_replicas{namespace=~"$namespace"})`,
                '{{horizontalpodautoscaler}} max',
              ),
            ],
          }),
        ],
      },
      {
        title: 'Resources',
        panels: [
          timeseries({
            title: 'CPU against requests and limits',
            description: 'CPU cores used per service (sum over its pods) against the sum of their requests and limits.',
            unit: 'none',
            queries: [
              q(
                `sum by (container) (rate(container_cpu_usage_seconds_total{${C}}[$__rate_interval]))`,
                '{{container}} used',
              ),
              q(
                `sum by (container) (kube_pod_container_resource_requests{resource="cpu", ${C}})`,
                '{{container}} requested',
              ),
              q(`sum by (container) (kube_pod_container_resource_limits{resource="cpu", ${C}})`, '{{container}} limit'),
            ],
          }),
          timeseries({
            title: 'Memory against requests and limits',
            description:
              'Working set per service against requests and limits; at the limit the container is OOM-killed.',
            unit: 'bytes',
            queries: [
              q(`sum by (container) (container_memory_working_set_bytes{${C}})`, '{{container}} working set'),
              q(
                `sum by (container) (kube_pod_container_resource_requests{resource="memory", ${C}})`,
                '{{container}} requested',
              ),
              q(
                `sum by (container) (kube_pod_container_resource_limits{resource="memory", ${C}})`,
                '{{container}} limit',
              ),
            ],
          }),
          timeseries({
            title: 'CPU used over request, per pod',
            description: 'Above 100% the pod borrows idle CPU; the HPA scales on this ratio.',
            unit: 'percentunit',
            queries: [
              q(
                `sum by (pod, container) (rate(container_cpu_usage_seconds_total{${C}}[$__rate_interval])) / sum by (pod, container) (kube_pod_container_resource_requests{resource="cpu", ${C}})`,
                '{{pod}}',
              ),
            ],
          }),
          timeseries({
            title: 'Memory used over limit, per pod',
            description: 'Working set over the memory limit; at 100% the kernel kills the container.',
            unit: 'percentunit',
            max: 1,
            thresholds: [{ value: 0.9, color: 'red' }],
            queries: [
              q(
                `sum by (pod, container) (container_memory_working_set_bytes{${C}}) / sum by (pod, container) (kube_pod_container_resource_limits{resource="memory", ${C}})`,
                '{{pod}}',
              ),
            ],
          }),
        ],
      },
    ],
  });
}
