// Policy rules over the rendered chart: Pod Security "restricted" plus the default checks of kube-score, Polaris and
// kube-linter that apply to what this chart renders, and the issue's own requirements. Each rule names its sources;
// docs/chart-policy-rules.md is generated from this table (npm run check:chart proves it is up to date).
import { describeConfig } from '@shipshape/platform/config';
import type { Finding } from '../findings.ts';
import { ref, type K8sObject } from './render.ts';
import { SERVICE_SCHEMAS as configSchemas } from '../dev/services.ts';
import {
  allContainers,
  containerEnv,
  declaresPort,
  isCanary,
  isService,
  selects,
  serviceOf,
  workloads,
  type Container,
  type LabelSelector,
  type Probe,
  type Workload,
} from './workloads.ts';

export { type Finding, formatFinding } from '../findings.ts';

export interface Rule {
  id: string;
  /** What the rule demands, one sentence. */
  description: string;
  /** Where it comes from: "PSS restricted", "kube-score <check>", "Polaris <check>", "kube-linter <check>", "issue 4". */
  sources: string[];
  check(objects: K8sObject[]): Finding[];
}

type Emit = (object: string, message: string) => void;

/** Runs check() with an emit() bound to the rule's id. */
function rule(
  id: string,
  description: string,
  sources: string[],
  body: (objects: K8sObject[], emit: Emit) => void,
): Rule {
  return {
    id,
    description,
    sources,
    check(objects) {
      const findings: Finding[] = [];
      body(objects, (where, message) => findings.push({ rule: id, where, message }));
      return findings;
    },
  };
}

const where = (w: Workload, c?: Container): string => (c ? `${w.ref} container ${c.name}` : w.ref);
const ALLOWED_VOLUMES = new Set([
  'configMap',
  'csi',
  'downwardAPI',
  'emptyDir',
  'ephemeral',
  'persistentVolumeClaim',
  'projected',
  'secret',
]);
const SECRET_NAME = /(PASSWORD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIALS?)$/;
/** A credential inside a URL (scheme://user:password@host) or a private key block. */
const SECRET_VALUE = /^[a-z][a-z0-9+.-]*:\/\/[^/:@\s]+:[^@\s]+@|-----BEGIN [A-Z ]*PRIVATE KEY-----/i;
const LABEL_KEY =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/;
const SELECTOR_KEYS = ['app.kubernetes.io/instance', 'app.kubernetes.io/name'];

/** Names the config schemas mark secret (x-secret), with their _FILE variants. */
const schemaSecrets = new Set(
  Object.values(configSchemas).flatMap((schema) =>
    describeConfig(schema)
      .filter((r) => r.secret)
      .flatMap((r) => [r.name, `${r.name}_FILE`]),
  ),
);

function probes(c: Container): Array<[string, Probe]> {
  const found: Array<[string, Probe]> = [];
  if (c.startupProbe) found.push(['startupProbe', c.startupProbe]);
  if (c.livenessProbe) found.push(['livenessProbe', c.livenessProbe]);
  if (c.readinessProbe) found.push(['readinessProbe', c.readinessProbe]);
  return found;
}

const probePort = (p: Probe): string | number | undefined => p.httpGet?.port ?? p.tcpSocket?.port ?? p.grpc?.port;

/** Whether a workload is long-running with more than one replica, or scaled by an HPA. */
function replicated(w: Workload, objects: K8sObject[]): boolean {
  if (w.owner.kind !== 'Deployment' && w.owner.kind !== 'StatefulSet') return false;
  return (w.replicas ?? 1) > 1 || hpaFor(w, objects) !== undefined;
}

function hpaFor(w: Workload, objects: K8sObject[]): K8sObject | undefined {
  return objects.find((o) => {
    if (o.kind !== 'HorizontalPodAutoscaler') return false;
    const target = (o.spec as { scaleTargetRef?: { kind: string; name: string } }).scaleTargetRef;
    return target?.kind === w.owner.kind && target.name === w.owner.metadata.name;
  });
}

function quantity(v: string | number | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v === 'number') return v;
  const m = /^([0-9.]+)(m|Ki|Mi|Gi|Ti|k|M|G|T)?$/.exec(v);
  if (!m) return undefined;
  const scale: Record<string, number> = {
    m: 1e-3,
    k: 1e3,
    M: 1e6,
    G: 1e9,
    T: 1e12,
    Ki: 1024,
    Mi: 1024 ** 2,
    Gi: 1024 ** 3,
    Ti: 1024 ** 4,
  };
  return Number(m[1]) * (m[2] ? (scale[m[2]] ?? 1) : 1);
}

export const RULES: Rule[] = [
  rule(
    'pss-run-as-non-root',
    'Every container runs as a non-root user: runAsNonRoot true and no runAsUser 0, at pod or container level.',
    [
      'PSS restricted: Running as Non-root',
      'PSS restricted: Running as Non-root user',
      'kube-linter run-as-non-root',
      'Polaris runAsRootAllowed',
    ],
    (objects, emit) => {
      for (const w of workloads(objects)) {
        for (const c of allContainers(w.spec)) {
          const nonRoot = c.securityContext?.runAsNonRoot ?? w.spec.securityContext?.runAsNonRoot;
          if (nonRoot !== true) emit(where(w, c), 'runAsNonRoot is not true');
          if ((c.securityContext?.runAsUser ?? w.spec.securityContext?.runAsUser) === 0)
            emit(where(w, c), 'runAsUser is 0 (root)');
        }
      }
    },
  ),
  rule(
    'uid-gid-10001',
    'Containers run with a UID and GID of at least 10001, which collide with no host user.',
    ['kube-score container-security-context-user-group-id', 'issue 4'],
    (objects, emit) => {
      for (const w of workloads(objects)) {
        for (const c of allContainers(w.spec)) {
          const uid = c.securityContext?.runAsUser ?? w.spec.securityContext?.runAsUser;
          const gid = c.securityContext?.runAsGroup ?? w.spec.securityContext?.runAsGroup;
          if (uid === undefined || uid < 10001) emit(where(w, c), `runAsUser is ${uid ?? 'unset'}, want >= 10001`);
          if (gid === undefined || gid < 10001) emit(where(w, c), `runAsGroup is ${gid ?? 'unset'}, want >= 10001`);
        }
      }
    },
  ),
  rule(
    'pss-privilege-escalation',
    'Every container sets allowPrivilegeEscalation: false.',
    [
      'PSS restricted: Privilege Escalation',
      'kube-linter privilege-escalation-container',
      'Polaris privilegeEscalationAllowed',
    ],
    (objects, emit) => {
      for (const w of workloads(objects)) {
        for (const c of allContainers(w.spec)) {
          if (c.securityContext?.allowPrivilegeEscalation !== false)
            emit(where(w, c), 'allowPrivilegeEscalation is not false');
        }
      }
    },
  ),
  rule(
    'pss-capabilities',
    'Every container drops ALL capabilities and adds none but NET_BIND_SERVICE.',
    [
      'PSS restricted: Capabilities',
      'kube-linter drop-net-raw-capability',
      'Polaris dangerousCapabilities',
      'Polaris insecureCapabilities',
    ],
    (objects, emit) => {
      for (const w of workloads(objects)) {
        for (const c of allContainers(w.spec)) {
          if (!(c.securityContext?.capabilities?.drop ?? []).includes('ALL'))
            emit(where(w, c), 'capabilities.drop does not include ALL');
          const added = (c.securityContext?.capabilities?.add ?? []).filter((cap) => cap !== 'NET_BIND_SERVICE');
          if (added.length > 0) emit(where(w, c), `capabilities.add has ${added.join(', ')}`);
        }
      }
    },
  ),
  rule(
    'pss-seccomp',
    'Every container runs with the RuntimeDefault (or a Localhost) seccomp profile.',
    ['PSS restricted: Seccomp', 'Polaris linuxHardening'],
    (objects, emit) => {
      for (const w of workloads(objects)) {
        for (const c of allContainers(w.spec)) {
          const type = c.securityContext?.seccompProfile?.type ?? w.spec.securityContext?.seccompProfile?.type;
          if (type !== 'RuntimeDefault' && type !== 'Localhost')
            emit(where(w, c), `seccompProfile is ${type ?? 'unset'}`);
        }
      }
    },
  ),
  rule(
    'pss-host-isolation',
    'No host namespaces, host ports, privileged containers, custom procMount or sysctls.',
    [
      'PSS baseline: Host Namespaces, Privileged Containers, HostPorts, /proc Mount Type, Sysctls',
      'Polaris hostNetworkSet, hostPIDSet, hostIPCSet, hostPortSet, runAsPrivileged',
      'kube-linter host-network, host-pid, host-ipc, privileged-container',
    ],
    (objects, emit) => {
      for (const w of workloads(objects)) {
        for (const field of ['hostNetwork', 'hostPID', 'hostIPC'] as const)
          if (w.spec[field]) emit(w.ref, `${field} is true`);
        if (w.spec.securityContext?.sysctls?.length) emit(w.ref, 'sets sysctls');
        for (const c of allContainers(w.spec)) {
          if (c.securityContext?.privileged) emit(where(w, c), 'privileged is true');
          if (c.securityContext?.procMount && c.securityContext.procMount !== 'Default')
            emit(where(w, c), 'procMount is not Default');
          for (const p of c.ports ?? []) if (p.hostPort) emit(where(w, c), `hostPort ${p.hostPort}`);
        }
      }
    },
  ),
  rule(
    'pss-volume-types',
    'Pods mount only the volume types the restricted profile allows (no hostPath).',
    [
      'PSS restricted: Volume Types',
      'PSS baseline: HostPath Volumes',
      'kube-linter sensitive-host-mounts, docker-sock',
    ],
    (objects, emit) => {
      for (const w of workloads(objects)) {
        for (const v of w.spec.volumes ?? []) {
          const type = Object.keys(v).find((k) => k !== 'name');
          if (!type || !ALLOWED_VOLUMES.has(type)) emit(w.ref, `volume ${v.name} is of type ${type ?? 'none'}`);
        }
      }
    },
  ),
  rule(
    'read-only-root-filesystem',
    'Every container has a read-only root filesystem, with an emptyDir mounted at /tmp for scratch files.',
    [
      'kube-score container-security-context-readonlyrootfilesystem',
      'Polaris notReadOnlyRootFilesystem',
      'kube-linter no-read-only-root-fs',
      'issue 4',
    ],
    (objects, emit) => {
      for (const w of workloads(objects)) {
        for (const c of allContainers(w.spec)) {
          if (c.securityContext?.readOnlyRootFilesystem !== true)
            emit(where(w, c), 'readOnlyRootFilesystem is not true');
          const tmp = (c.volumeMounts ?? []).find((m) => m.mountPath === '/tmp');
          const volume = tmp && (w.spec.volumes ?? []).find((v) => v.name === tmp.name);
          if (!volume || !('emptyDir' in volume)) emit(where(w, c), 'no emptyDir mounted at /tmp');
        }
      }
    },
  ),
  rule(
    'resources',
    'Every container requests and limits CPU and memory, with limits not below requests.',
    [
      'kube-score container-resources',
      'Polaris cpuRequestsMissing, cpuLimitsMissing, memoryRequestsMissing, memoryLimitsMissing',
      'kube-linter unset-cpu-requirements, unset-memory-requirements',
    ],
    (objects, emit) => {
      for (const w of workloads(objects)) {
        for (const c of allContainers(w.spec)) {
          for (const kind of ['requests', 'limits'] as const) {
            for (const resource of ['cpu', 'memory']) {
              if (c.resources?.[kind]?.[resource] === undefined)
                emit(where(w, c), `no ${resource} ${kind.slice(0, -1)}`);
            }
          }
          for (const resource of ['cpu', 'memory']) {
            const request = quantity(c.resources?.requests?.[resource]);
            const limit = quantity(c.resources?.limits?.[resource]);
            if (request !== undefined && limit !== undefined && limit < request)
              emit(where(w, c), `${resource} limit is below its request`);
          }
        }
      }
    },
  ),
  rule(
    'image-pinned',
    'Every image has a pinned tag or a digest, never "latest" or no tag.',
    ['kube-score container-image-tag', 'Polaris tagNotSpecified', 'kube-linter latest-tag'],
    (objects, emit) => {
      for (const w of workloads(objects)) {
        for (const c of allContainers(w.spec)) {
          if (c.image.includes('@sha256:')) continue;
          const tag = /:([^/:]+)$/.exec(c.image)?.[1];
          if (!tag) emit(where(w, c), `image ${c.image} has no tag`);
          else if (tag === 'latest') emit(where(w, c), `image ${c.image} uses the latest tag`);
        }
      }
    },
  ),
  rule(
    'probes',
    'Long-running containers have liveness and readiness probes; the services also a startupProbe, liveness on /health and readiness on /ready.',
    [
      'kube-score pod-probes',
      'Polaris livenessProbeMissing, readinessProbeMissing',
      'kube-linter no-liveness-probe, no-readiness-probe',
      'issue 4',
    ],
    (objects, emit) => {
      for (const w of workloads(objects)) {
        if (w.owner.kind !== 'Deployment' && w.owner.kind !== 'StatefulSet') continue;
        for (const c of w.spec.containers) {
          if (!c.livenessProbe) emit(where(w, c), 'no livenessProbe');
          if (!c.readinessProbe) emit(where(w, c), 'no readinessProbe');
          if (!isService(w.component) || w.owner.kind !== 'Deployment') continue;
          if (!c.startupProbe) emit(where(w, c), 'no startupProbe');
          if (c.livenessProbe && c.livenessProbe.httpGet?.path !== '/health')
            emit(where(w, c), 'livenessProbe is not an httpGet of /health');
          if (c.readinessProbe && c.readinessProbe.httpGet?.path !== '/ready')
            emit(where(w, c), 'readinessProbe is not an httpGet of /ready');
        }
      }
    },
  ),
  rule(
    'probes-distinct',
    'Liveness, readiness and startup probes of a container are not identical, so a slow dependency does not restart pods.',
    ['kube-score pod-probes-identical', 'issue 4'],
    (objects, emit) => {
      for (const w of workloads(objects)) {
        for (const c of w.spec.containers) {
          const list = probes(c);
          for (let i = 0; i < list.length; i++) {
            for (let j = i + 1; j < list.length; j++) {
              const [a, pa] = list[i] ?? [];
              const [b, pb] = list[j] ?? [];
              const action = (p: Probe | undefined) => JSON.stringify(p?.httpGet ?? p?.tcpSocket ?? p?.exec ?? p?.grpc);
              if (
                pa &&
                pb &&
                action(pa) === action(pb) &&
                (a === 'readinessProbe' || b === 'readinessProbe' || isService(w.component))
              ) {
                emit(where(w, c), `${a} and ${b} probe the same thing (${action(pa)})`);
              }
            }
          }
        }
      }
    },
  ),
  rule(
    'probe-ports-declared',
    'Every httpGet, tcpSocket or grpc probe targets a port the container declares, by name or number.',
    ['kube-linter liveness-port, readiness-port, startup-port', 'issue 4'],
    (objects, emit) => {
      for (const w of workloads(objects)) {
        for (const c of w.spec.containers) {
          for (const [kind, p] of probes(c)) {
            const port = probePort(p);
            if (port !== undefined && !declaresPort(c, port))
              emit(where(w, c), `${kind} port ${port} is not a declared containerPort`);
          }
        }
      }
    },
  ),
  rule(
    'container-ports',
    'Container ports are named (at most 15 characters), unique, and unprivileged (>= 1024, so no SSH port either).',
    ['kube-score container-ports-check', 'kube-linter privileged-ports, ssh-port'],
    (objects, emit) => {
      for (const w of workloads(objects)) {
        for (const c of w.spec.containers) {
          const seen = new Set<string>();
          for (const p of c.ports ?? []) {
            if (!p.name) emit(where(w, c), `port ${p.containerPort} has no name`);
            else if (p.name.length > 15) emit(where(w, c), `port name ${p.name} is longer than 15 characters`);
            if (p.name && seen.has(p.name)) emit(where(w, c), `port name ${p.name} is used twice`);
            if (p.name) seen.add(p.name);
            if (p.containerPort < 1024) emit(where(w, c), `port ${p.containerPort} is privileged`);
          }
        }
      }
    },
  ),
  rule(
    'service-accounts',
    'Each service runs under its own ServiceAccount; no pod mounts an API token or uses the deprecated serviceAccount field.',
    [
      'kube-linter default-service-account, deprecated-service-account-field',
      'Polaris automountServiceAccountToken',
      'issue 4',
    ],
    (objects, emit) => {
      for (const w of workloads(objects)) {
        if (w.spec.serviceAccount) emit(w.ref, 'uses the deprecated serviceAccount field');
        if (w.spec.automountServiceAccountToken !== false) emit(w.ref, 'automountServiceAccountToken is not false');
        if (isService(w.component) && (!w.spec.serviceAccountName || w.spec.serviceAccountName === 'default'))
          emit(w.ref, 'runs as the default ServiceAccount');
      }
      for (const sa of objects.filter((o) => o.kind === 'ServiceAccount')) {
        if (sa.automountServiceAccountToken !== false) emit(ref(sa), 'automountServiceAccountToken is not false');
      }
    },
  ),
  rule(
    'rolling-update',
    'Deployments roll with RollingUpdate and maxUnavailable 0: a new pod is ready before an old one goes.',
    ['issue 4'],
    (objects, emit) => {
      for (const d of objects.filter((o) => o.kind === 'Deployment')) {
        const strategy = (
          d.spec as { strategy?: { type?: string; rollingUpdate?: { maxUnavailable?: number | string } } }
        ).strategy;
        if (strategy?.type !== 'RollingUpdate')
          emit(ref(d), `strategy is ${strategy?.type ?? 'unset'}, want RollingUpdate`);
        const maxUnavailable = strategy?.rollingUpdate?.maxUnavailable;
        if (maxUnavailable !== 0 && maxUnavailable !== '0%')
          emit(ref(d), `maxUnavailable is ${maxUnavailable ?? 'unset (25%)'}, want 0`);
      }
    },
  ),
  rule(
    'graceful-shutdown',
    "Service pods wait in preStop and get a terminationGracePeriodSeconds longer than preStop + the service's SHUTDOWN_DRAIN_MS + SHUTDOWN_TIMEOUT_MS.",
    ['issue 4'],
    (objects, emit) => {
      for (const w of workloads(objects)) {
        if (w.owner.kind !== 'Deployment' || !isService(w.component)) continue;
        const rows = new Map(describeConfig(configSchemas[w.component]).map((r) => [r.name, r]));
        for (const c of w.spec.containers) {
          const preStop = c.lifecycle?.preStop;
          if (!preStop?.sleep && !preStop?.exec) {
            emit(where(w, c), 'no preStop wait');
            continue;
          }
          const env = containerEnv(c, objects);
          const ms = (name: string) => Number(env.get(name)?.value ?? rows.get(name)?.default ?? 0);
          const needed = (preStop.sleep?.seconds ?? 0) + (ms('SHUTDOWN_DRAIN_MS') + ms('SHUTDOWN_TIMEOUT_MS')) / 1000;
          const grace = w.spec.terminationGracePeriodSeconds ?? 30;
          if (grace <= needed)
            emit(
              where(w, c),
              `terminationGracePeriodSeconds ${grace} is not longer than preStop + drain + timeout (${needed}s)`,
            );
        }
      }
    },
  ),
  rule(
    'spread',
    'Replicated workloads spread across zones and nodes (topologySpreadConstraints on both keys, or host anti-affinity).',
    [
      'kube-score deployment-has-host-podantiaffinity',
      'Polaris topologySpreadConstraint',
      'kube-linter no-anti-affinity',
      'issue 4',
    ],
    (objects, emit) => {
      for (const w of workloads(objects)) {
        if (!replicated(w, objects)) continue;
        const keys = new Set((w.spec.topologySpreadConstraints ?? []).map((t) => t.topologyKey));
        const anti = [
          ...(w.spec.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []),
          ...(w.spec.affinity?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []).map(
            (p) => p.podAffinityTerm,
          ),
        ].some((t) => t.topologyKey === 'kubernetes.io/hostname');
        if (!keys.has('topology.kubernetes.io/zone')) emit(w.ref, 'no topology spread across zones');
        if (!keys.has('kubernetes.io/hostname') && !anti) emit(w.ref, 'no spread or anti-affinity across nodes');
      }
    },
  ),
  rule(
    'pdb',
    'Replicated workloads are covered by a PodDisruptionBudget with maxUnavailable 1 and unhealthyPodEvictionPolicy AlwaysAllow.',
    [
      'kube-score deployment-has-poddisruptionbudget',
      'Polaris missingPodDisruptionBudget',
      'kube-linter pdb-max-unavailable, pdb-min-available, pdb-unhealthy-pod-eviction-policy',
      'issue 4',
    ],
    (objects, emit) => {
      const pdbs = objects.filter((o) => o.kind === 'PodDisruptionBudget');
      for (const p of pdbs) {
        const spec = p.spec as {
          maxUnavailable?: number | string;
          minAvailable?: number | string;
          unhealthyPodEvictionPolicy?: string;
        };
        if (spec.minAvailable !== undefined)
          emit(ref(p), 'uses minAvailable, which can block every eviction; use maxUnavailable: 1');
        if (spec.maxUnavailable !== 1) emit(ref(p), `maxUnavailable is ${spec.maxUnavailable ?? 'unset'}, want 1`);
        if (spec.unhealthyPodEvictionPolicy !== 'AlwaysAllow')
          emit(ref(p), 'unhealthyPodEvictionPolicy is not AlwaysAllow');
      }
      for (const w of workloads(objects)) {
        if (!replicated(w, objects)) continue;
        const covered = pdbs.some((p) => selects((p.spec as { selector?: LabelSelector }).selector, w.labels));
        if (!covered) emit(w.ref, 'no PodDisruptionBudget selects its pods');
      }
    },
  ),
  rule(
    'hpa',
    'HPAs use autoscaling/v2 with minReplicas >= 2 <= maxReplicas and a resource metric the target requests; their Deployment leaves replicas unset.',
    [
      'kube-score horizontalpodautoscaler-has-target, deployment-targeted-by-hpa-does-not-have-replicas-configured',
      'Polaris hpaMinAvailability, hpaMaxAvailability',
      'issue 4',
    ],
    (objects, emit) => {
      for (const h of objects.filter((o) => o.kind === 'HorizontalPodAutoscaler')) {
        const spec = h.spec as {
          minReplicas?: number;
          maxReplicas: number;
          scaleTargetRef: { kind: string; name: string };
          metrics?: Array<{ type: string; resource?: { name: string } }>;
        };
        if (h.apiVersion !== 'autoscaling/v2') emit(ref(h), `apiVersion is ${h.apiVersion}`);
        if ((spec.minReplicas ?? 1) < 2) emit(ref(h), `minReplicas is ${spec.minReplicas ?? 1}, want >= 2`);
        if ((spec.minReplicas ?? 1) > spec.maxReplicas) emit(ref(h), 'minReplicas is above maxReplicas');
        if (!spec.metrics?.length) emit(ref(h), 'has no metrics');
        const target = objects.find(
          (o) => o.kind === spec.scaleTargetRef.kind && o.metadata.name === spec.scaleTargetRef.name,
        );
        if (!target) continue; // the cross-check reports a missing target
        if ((target.spec as { replicas?: number }).replicas !== undefined)
          emit(ref(target), 'sets replicas although an HPA scales it');
        const containers = workloads([target]).flatMap((w) => w.spec.containers);
        for (const m of spec.metrics ?? []) {
          const resource = m.resource?.name;
          if (
            m.type === 'Resource' &&
            resource &&
            containers.some((c) => c.resources?.requests?.[resource] === undefined)
          ) {
            emit(ref(h), `scales on ${resource} but a container of ${ref(target)} requests none`);
          }
        }
      }
    },
  ),
  rule(
    'network-policy-coverage',
    'A default-deny policy covers every pod, and every pod is selected by a policy allowing its ingress and one allowing its egress.',
    ['kube-score pod-networkpolicy', 'Polaris missingNetworkPolicy', 'kube-linter non-isolated-pod', 'issue 4'],
    (objects, emit) => {
      const policies = objects.filter((o) => o.kind === 'NetworkPolicy');
      const spec = (p: K8sObject) =>
        p.spec as { podSelector: LabelSelector; policyTypes?: string[]; ingress?: unknown[]; egress?: unknown[] };
      for (const w of workloads(objects)) {
        const mine = policies.filter((p) => selects(spec(p).podSelector, w.labels));
        const denyAll = mine.some(
          (p) => (spec(p).policyTypes ?? []).length === 2 && !spec(p).ingress?.length && !spec(p).egress?.length,
        );
        if (!denyAll) emit(w.ref, 'no default-deny NetworkPolicy selects its pods');
        for (const type of ['Ingress', 'Egress']) {
          if (!mine.some((p) => (spec(p).policyTypes ?? []).includes(type)))
            emit(w.ref, `no NetworkPolicy governs its ${type.toLowerCase()}`);
        }
      }
    },
  ),
  rule(
    'no-secret-literals',
    'Secrets reach containers only through secretKeyRef: no secret-named variable has a literal value, and no ConfigMap holds a secret name or credential.',
    ['kube-linter env-var-secret', 'issue 4'],
    (objects, emit) => {
      const isSecret = (name: string) => schemaSecrets.has(name) || SECRET_NAME.test(name);
      for (const w of workloads(objects)) {
        for (const c of allContainers(w.spec)) {
          for (const e of c.env ?? []) {
            if (e.value === undefined) continue;
            if (isSecret(e.name)) emit(where(w, c), `${e.name} is a literal; read it from a Secret`);
            else if (SECRET_VALUE.test(e.value)) emit(where(w, c), `${e.name} holds a credential`);
          }
        }
      }
      for (const cm of objects.filter((o) => o.kind === 'ConfigMap')) {
        for (const [key, value] of Object.entries((cm.data as Record<string, string> | undefined) ?? {})) {
          if (isSecret(key)) emit(ref(cm), `${key} is a secret; keep it in the Secret`);
          else if (SECRET_VALUE.test(value)) emit(ref(cm), `${key} holds a credential`);
        }
      }
    },
  ),
  rule(
    'job-ttl',
    'Jobs set ttlSecondsAfterFinished, a backoffLimit and an activeDeadlineSeconds, so finished or stuck Jobs do not linger.',
    ['kube-linter job-ttl-seconds-after-finished', 'issue 4'],
    (objects, emit) => {
      for (const j of objects.filter((o) => o.kind === 'Job')) {
        const spec = j.spec as {
          ttlSecondsAfterFinished?: number;
          backoffLimit?: number;
          activeDeadlineSeconds?: number;
        };
        if (spec.ttlSecondsAfterFinished === undefined) emit(ref(j), 'no ttlSecondsAfterFinished');
        if (spec.backoffLimit === undefined) emit(ref(j), 'no backoffLimit');
        if (spec.activeDeadlineSeconds === undefined) emit(ref(j), 'no activeDeadlineSeconds');
      }
    },
  ),
  rule(
    'priority-class',
    'When a priorityClassName is set it is a cluster class of its own, not system-cluster-critical or system-node-critical.',
    ['kube-linter priority-class-name', 'issue 4'],
    (objects, emit) => {
      for (const w of workloads(objects)) {
        const name = w.spec.priorityClassName;
        if (name === undefined) continue;
        if (name === '' || name.startsWith('system-'))
          emit(w.ref, `priorityClassName ${JSON.stringify(name)} is reserved or empty`);
      }
    },
  ),
  rule(
    'selectors',
    "Selectors use app.kubernetes.io/name and instance only (a canary Deployment adds track: canary, so its selector stays apart from the stable one's), and a workload's selector matches its own pod template.",
    ['kube-linter mismatching-selector', 'house style (Helm: selectors use name + instance only)'],
    (objects, emit) => {
      const canaries = new Set(
        workloads(objects)
          .filter(isCanary)
          .map((w) => w.owner),
      );
      for (const o of objects) {
        const spec = o.spec as { selector?: LabelSelector | Record<string, string> } | undefined;
        if (!spec?.selector) continue;
        const selector: LabelSelector =
          o.kind === 'Service'
            ? { matchLabels: spec.selector as Record<string, string> }
            : (spec.selector as LabelSelector);
        const keys = Object.keys(selector.matchLabels ?? {}).sort();
        const want = canaries.has(o) ? [...SELECTOR_KEYS, 'track'].sort() : SELECTOR_KEYS;
        if (canaries.has(o) && selector.matchLabels?.track !== 'canary')
          emit(ref(o), 'a canary Deployment selects on track: canary');
        if (selector.matchExpressions?.length || keys.join() !== want.join())
          emit(ref(o), `selects on ${keys.join(', ') || 'expressions'}, want name + instance`);
      }
      for (const w of workloads(objects)) {
        if (w.owner.kind === 'Pod' || w.owner.kind === 'Job') continue;
        const selector = (w.owner.spec as { selector?: LabelSelector }).selector;
        if (!selects(selector, w.labels)) emit(w.ref, 'selector does not match its pod template labels');
      }
    },
  ),
  rule(
    'label-values',
    'Every label key and value is valid Kubernetes label syntax, and every object carries the app.kubernetes.io name, instance and managed-by labels.',
    ['kube-score label-values', 'Helm best practices: standard labels'],
    (objects, emit) => {
      const check = (where: string, labels: Record<string, string> | undefined) => {
        for (const [k, v] of Object.entries(labels ?? {})) {
          if (!LABEL_KEY.test(k)) emit(where, `label key ${k} is invalid`);
          if (typeof v !== 'string' || !LABEL_VALUE.test(v))
            emit(where, `label ${k} has invalid value ${JSON.stringify(v)}`);
        }
      };
      for (const o of objects) {
        check(ref(o), o.metadata.labels);
        for (const key of ['app.kubernetes.io/name', 'app.kubernetes.io/instance', 'app.kubernetes.io/managed-by']) {
          if (!o.metadata.labels?.[key]) emit(ref(o), `no ${key} label`);
        }
      }
      for (const w of workloads(objects)) if (w.owner.kind !== 'Pod') check(`${w.ref} pod template`, w.labels);
    },
  ),
  rule(
    'service-type',
    'Services are ClusterIP; traffic from outside enters through the Ingress or HTTPRoute only.',
    ['kube-linter exposed-services', 'kube-score service-type'],
    (objects, emit) => {
      for (const s of objects.filter((o) => o.kind === 'Service')) {
        const type = (s.spec as { type?: string }).type ?? 'ClusterIP';
        if (type !== 'ClusterIP') emit(ref(s), `type is ${type}`);
      }
    },
  ),
  rule(
    'job-image',
    "Migration and seed Jobs run in the image of the service they serve, with the same restricted security context; a migration of a service with a canary runs in the canary's image (the new version's migrations come first).",
    ['issue 4', 'issue 9'],
    (objects, emit) => {
      const all = workloads(objects);
      for (const w of all.filter((x) => x.owner.kind === 'Job')) {
        const service = serviceOf(w);
        const ofService = all.filter((x) => x.owner.kind === 'Deployment' && x.component === service);
        const canary = w.component.startsWith('migrate-') ? ofService.find(isCanary) : undefined;
        const deployment = canary ?? ofService.find((x) => !isCanary(x));
        if (!service || !deployment) {
          emit(w.ref, 'serves no service of the release');
          continue;
        }
        for (const c of w.spec.containers) {
          if (c.image !== deployment.spec.containers[0]?.image)
            emit(where(w, c), `image ${c.image} is not the ${service} image`);
        }
      }
    },
  ),
];

export function runPolicy(objects: K8sObject[], rules: Rule[] = RULES): Finding[] {
  return rules.flatMap((r) => r.check(objects));
}
