// Kubernetes-only series (kube-state-metrics and cAdvisor) as OpenMetrics text, for the platform panels and pod alerts:
// two pods per service in namespace "shipshape", one orders pod crash-looping and restarting, and an unrelated
// kube-system container that Shipshape's panels must not show.
import { SERVICES } from '../../../deploy/observability/src/conventions.ts';

export const FIXTURE_NAMESPACE = 'shipshape';
export const CRASHING_POD = 'shipshape-orders-6b7c9d-crash';

interface Series {
  labels: Record<string, string>;
  value: (step: number) => number;
}

const MiB = 1024 * 1024;

function pods(): { pod: string; container: string; namespace: string }[] {
  const ours = SERVICES.flatMap((s) =>
    [`shipshape-${s}-6b7c9d-a1`, s === 'orders' ? CRASHING_POD : `shipshape-${s}-6b7c9d-b2`].map((pod) => ({
      pod,
      container: s,
      namespace: FIXTURE_NAMESPACE,
    })),
  );
  return [...ours, { pod: 'coredns-5d78c9869d-x1', container: 'coredns', namespace: 'kube-system' }];
}

function families(): Map<string, Series[]> {
  const f = new Map<string, Series[]>();
  const add = (name: string, labels: Record<string, string>, value: (step: number) => number) =>
    f.set(name, [...(f.get(name) ?? []), { labels, value }]);
  for (const p of pods()) {
    const crashing = p.pod === CRASHING_POD;
    add('kube_pod_container_status_restarts_total', p, (i) => (crashing ? Math.floor(i / 10) : 0));
    add('kube_pod_container_status_waiting_reason', { ...p, reason: 'CrashLoopBackOff' }, () =>
      crashing || p.container === 'coredns' ? 1 : 0,
    );
    add('container_cpu_usage_seconds_total', { ...p, image: `example/${p.container}:1` }, (i) => i * 15 * 0.08);
    add(
      'container_memory_working_set_bytes',
      { ...p, image: `example/${p.container}:1` },
      (i) => 90 * MiB + (i % 7) * MiB,
    );
    add('kube_pod_container_resource_requests', { ...p, resource: 'cpu', unit: 'core' }, () => 0.1);
    add('kube_pod_container_resource_requests', { ...p, resource: 'memory', unit: 'byte' }, () => 128 * MiB);
    add('kube_pod_container_resource_limits', { ...p, resource: 'cpu', unit: 'core' }, () => 0.5);
    add('kube_pod_container_resource_limits', { ...p, resource: 'memory', unit: 'byte' }, () => 256 * MiB);
  }
  for (const s of SERVICES) {
    const hpa = { namespace: FIXTURE_NAMESPACE, horizontalpodautoscaler: `shipshape-${s}` };
    add('kube_horizontalpodautoscaler_status_current_replicas', hpa, () => 2);
    add('kube_horizontalpodautoscaler_status_desired_replicas', hpa, (i) => (i > 100 ? 3 : 2));
    add('kube_horizontalpodautoscaler_spec_max_replicas', hpa, () => 6);
  }
  return f;
}

/** OpenMetrics text with a sample every 15 s from `start` for `steps` steps (timestamps in seconds). */
export function kubeFixture(start: number, steps: number): string {
  const lines: string[] = [];
  for (const [name, series] of families()) {
    // Counters need the OpenMetrics family name without _total; the rest are gauges.
    const isCounter = name.endsWith('_total');
    lines.push(`# TYPE ${isCounter ? name.slice(0, -'_total'.length) : name} ${isCounter ? 'counter' : 'gauge'}`);
    for (const s of series) {
      const labels = Object.entries(s.labels)
        .map(([k, v]) => `${k}="${v}"`)
        .join(',');
      for (let i = 0; i < steps; i++) lines.push(`${name}{${labels}} ${s.value(i)} ${start + i * 15}`);
    }
  }
  lines.push('# EOF');
  return `${lines.join('\n')}\n`;
}
