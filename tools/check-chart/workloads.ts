// Typed views of the rendered objects the checks read: pods (from Deployments, StatefulSets, Jobs and test Pods),
// containers, selectors. Only the fields the checks use are typed; validation already proved the shapes.
import { ref, type K8sObject } from './render.ts';

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string }; configMapKeyRef?: { name: string; key: string } };
}

export interface Probe {
  httpGet?: { path?: string; port: string | number };
  tcpSocket?: { port: string | number };
  exec?: { command: string[] };
  grpc?: { port: number };
}

export interface SecurityContext {
  runAsNonRoot?: boolean;
  runAsUser?: number;
  runAsGroup?: number;
  fsGroup?: number;
  allowPrivilegeEscalation?: boolean;
  privileged?: boolean;
  readOnlyRootFilesystem?: boolean;
  procMount?: string;
  capabilities?: { add?: string[]; drop?: string[] };
  seccompProfile?: { type: string };
  sysctls?: unknown[];
}

export interface Container {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  ports?: Array<{ name?: string; containerPort: number; hostPort?: number; protocol?: string }>;
  env?: EnvVar[];
  envFrom?: Array<{ configMapRef?: { name: string }; secretRef?: { name: string } }>;
  resources?: { requests?: Record<string, string | number>; limits?: Record<string, string | number> };
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  startupProbe?: Probe;
  lifecycle?: { preStop?: { sleep?: { seconds: number }; exec?: { command: string[] } } };
  securityContext?: SecurityContext;
  volumeMounts?: Array<{ name: string; mountPath: string }>;
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: Array<{ key: string; operator: string; values?: string[] }>;
}

export interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  serviceAccountName?: string;
  serviceAccount?: string;
  automountServiceAccountToken?: boolean;
  securityContext?: SecurityContext;
  hostNetwork?: boolean;
  hostPID?: boolean;
  hostIPC?: boolean;
  priorityClassName?: string;
  terminationGracePeriodSeconds?: number;
  topologySpreadConstraints?: Array<{
    topologyKey: string;
    maxSkew: number;
    whenUnsatisfiable: string;
    labelSelector?: LabelSelector;
  }>;
  affinity?: {
    podAntiAffinity?: {
      requiredDuringSchedulingIgnoredDuringExecution?: Array<{ topologyKey: string; labelSelector?: LabelSelector }>;
      preferredDuringSchedulingIgnoredDuringExecution?: Array<{
        podAffinityTerm: { topologyKey: string; labelSelector?: LabelSelector };
      }>;
    };
  };
  volumes?: Array<{ name: string; [source: string]: unknown }>;
}

/** A pod the release runs, with the object that owns its template. */
export interface Workload {
  owner: K8sObject;
  ref: string;
  labels: Record<string, string>;
  spec: PodSpec;
  /** Deployment, StatefulSet or DaemonSet replicas (undefined for Jobs, Pods, and Deployments under an HPA). */
  replicas?: number;
  /** The app.kubernetes.io/component label: gateway, users, migrate-users, acceptance, postgres... */
  component: string;
}

/** The canary of a release: a Deployment whose pods carry track: canary next to the stable one's name and instance. */
export const isCanary = (w: Pick<Workload, 'owner' | 'labels'>): boolean =>
  w.owner.kind === 'Deployment' && w.labels.track === 'canary';

const TEMPLATED = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job']);

export function workloads(objects: K8sObject[]): Workload[] {
  const found: Workload[] = [];
  for (const o of objects) {
    let labels: Record<string, string> | undefined;
    let spec: PodSpec | undefined;
    if (TEMPLATED.has(o.kind)) {
      const template = (
        o.spec as { template?: { metadata?: { labels?: Record<string, string> }; spec?: PodSpec } } | undefined
      )?.template;
      labels = template?.metadata?.labels;
      spec = template?.spec;
    } else if (o.kind === 'Pod') {
      labels = o.metadata.labels;
      spec = o.spec as PodSpec | undefined;
    } else if (o.kind === 'CronJob') {
      const template = (
        o.spec as {
          jobTemplate?: { spec?: { template?: { metadata?: { labels?: Record<string, string> }; spec?: PodSpec } } };
        }
      ).jobTemplate?.spec?.template;
      labels = template?.metadata?.labels;
      spec = template?.spec;
    }
    if (!spec) continue;
    found.push({
      owner: o,
      ref: ref(o),
      labels: labels ?? {},
      spec,
      replicas: (o.spec as { replicas?: number }).replicas,
      component: labels?.['app.kubernetes.io/component'] ?? o.metadata.name,
    });
  }
  return found;
}

export const allContainers = (spec: PodSpec): Container[] => [...(spec.initContainers ?? []), ...spec.containers];

/** Whether a label selector matches a set of labels (an empty selector matches everything). */
export function selects(selector: LabelSelector | undefined, labels: Record<string, string>): boolean {
  if (!selector) return false;
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, e.key);
    const value = labels[e.key];
    if (e.operator === 'In' && !(has && value !== undefined && (e.values ?? []).includes(value))) return false;
    if (e.operator === 'NotIn' && has && value !== undefined && (e.values ?? []).includes(value)) return false;
    if (e.operator === 'Exists' && !has) return false;
    if (e.operator === 'DoesNotExist' && has) return false;
  }
  return true;
}

/** The services of the registry: the Deployments whose component is a service name. */
import { isServiceName as isService, type ServiceName } from '../dev/services.ts';

export { isService, type ServiceName };
export { SERVICES } from '../dev/services.ts';

/** The service whose configuration a workload runs with: the service itself, or the one a migrate/seed Job serves. */
export function serviceOf(w: Workload): ServiceName | undefined {
  const name = /^(?:migrate|seed)-(.+)$/.exec(w.component)?.[1] ?? w.component;
  return isService(name) ? name : undefined;
}

/** A container port by number or name. */
export function declaresPort(c: Container, port: string | number): boolean {
  return (c.ports ?? []).some((p) => (typeof port === 'number' ? p.containerPort === port : p.name === port));
}

export function resolvePort(c: Container, port: string | number): number | undefined {
  if (typeof port === 'number') return port;
  return (c.ports ?? []).find((p) => p.name === port)?.containerPort;
}

/** One environment variable as a container sees it: a literal value, or a reference to a Secret key. */
export interface EnvSource {
  name: string;
  /** Where it is set: "env" or "ConfigMap/<name>". */
  from: string;
  value?: string;
  secret?: { name: string; key: string };
}

/** The environment of a container: envFrom ConfigMaps first, then env entries (which win, as in Kubernetes). */
export function containerEnv(c: Container, objects: K8sObject[]): Map<string, EnvSource> {
  const env = new Map<string, EnvSource>();
  for (const from of c.envFrom ?? []) {
    const name = from.configMapRef?.name;
    const cm = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === name);
    for (const [key, value] of Object.entries((cm?.data as Record<string, string> | undefined) ?? {})) {
      env.set(key, { name: key, from: `ConfigMap/${name}`, value });
    }
  }
  for (const e of c.env ?? []) {
    const secret = e.valueFrom?.secretKeyRef;
    env.set(e.name, {
      name: e.name,
      from: 'env',
      ...(e.value !== undefined ? { value: e.value } : {}),
      ...(secret ? { secret } : {}),
    });
  }
  return env;
}
