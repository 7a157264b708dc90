// Cross-checks: properties that span objects (a Service and the pods it selects, NetworkPolicies and the call graph)
// or span the chart and the code (env vars against each service's config schema).
import { acceptedEnvNames, describeConfig, loadConfig } from '@shipshape/platform/config';
import { NAMESPACE, ref, type K8sObject } from './render.ts';
import { SERVICE_SCHEMAS as configSchemas } from '../dev/services.ts';
import {
  allContainers,
  containerEnv,
  declaresPort,
  isCanary,
  isService,
  resolvePort,
  selects,
  serviceOf,
  workloads,
  type LabelSelector,
  type Workload,
} from './workloads.ts';
import { CALL_GRAPH, SERVICE_LIST } from '../dev/services.ts';

export interface CrossCheck {
  id: string;
  description: string;
  /** Failures, one sentence each; empty when the check holds. */
  check(objects: K8sObject[]): string[];
}

/** The call graph the services implement (caller -> callee), and who talks to PostgreSQL and Redis: the registry's. */
const DATABASE_CLIENTS: string[] = SERVICE_LIST.filter((s) => s.dbSchema).map((s) => s.name);
const REDIS_CLIENTS: string[] = SERVICE_LIST.filter((s) => s.redis).map((s) => s.name);
const DNS_PORT = 53;
const OTLP_PORT = 4318;

interface Peer {
  podSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
  ipBlock?: { cidr: string };
}
interface PolicyRule {
  ports?: Array<{ port?: number | string; protocol?: string }>;
  from?: Peer[];
  to?: Peer[];
}
interface PolicySpec {
  podSelector: LabelSelector;
  policyTypes?: string[];
  ingress?: PolicyRule[];
  egress?: PolicyRule[];
}

const policies = (objects: K8sObject[]) =>
  objects.filter((o) => o.kind === 'NetworkPolicy').map((o) => o.spec as PolicySpec);

/** Whether a peer names a pod of the release (same namespace, pod selector matching). ipBlocks count as outside. */
function peerSelects(peer: Peer, w: Workload): boolean {
  if (peer.ipBlock) return false;
  if (peer.namespaceSelector && !selects(peer.namespaceSelector, { 'kubernetes.io/metadata.name': NAMESPACE }))
    return false;
  return peer.podSelector ? selects(peer.podSelector, w.labels) : true;
}

/** Whether a peer can be something outside the release: an ipBlock, another namespace, or anything. */
const peerIsExternal = (peer: Peer): boolean =>
  Boolean(peer.ipBlock) ||
  (peer.namespaceSelector !== undefined &&
    !selects(peer.namespaceSelector, { 'kubernetes.io/metadata.name': NAMESPACE }));

function portMatches(rule: PolicyRule, target: Workload, port: number): boolean {
  if (!rule.ports?.length) return true;
  return rule.ports.some((p) => {
    if (p.port === undefined) return true;
    if (typeof p.port === 'number') return p.port === port;
    return target.spec.containers.some((c) => resolvePort(c, p.port as string) === port);
  });
}

/** Whether NetworkPolicies let `from` open a TCP connection to `to` on `port`. */
export function allowed(objects: K8sObject[], from: Workload, to: Workload, port: number): boolean {
  const all = policies(objects);
  const egress = all.filter((p) => (p.policyTypes ?? []).includes('Egress') && selects(p.podSelector, from.labels));
  const ingress = all.filter((p) => (p.policyTypes ?? []).includes('Ingress') && selects(p.podSelector, to.labels));
  const out =
    egress.length === 0 ||
    egress.some((p) =>
      (p.egress ?? []).some(
        (r) =>
          (r.to === undefined || r.to.length === 0 || r.to.some((peer) => peerSelects(peer, to))) &&
          portMatches(r, to, port),
      ),
    );
  const into =
    ingress.length === 0 ||
    ingress.some((p) =>
      (p.ingress ?? []).some(
        (r) =>
          (r.from === undefined || r.from.length === 0 || r.from.some((peer) => peerSelects(peer, from))) &&
          portMatches(r, to, port),
      ),
    );
  return out && into;
}

const ports = (w: Workload): number[] => w.spec.containers.flatMap((c) => (c.ports ?? []).map((p) => p.containerPort));

/** Ports a workload may reach outside the release (egress rules whose peers include something external). */
function externalEgressPorts(objects: K8sObject[], w: Workload): Set<string> {
  const found = new Set<string>();
  for (const p of policies(objects)) {
    if (!(p.policyTypes ?? []).includes('Egress') || !selects(p.podSelector, w.labels)) continue;
    for (const r of p.egress ?? []) {
      if (r.to?.length && !r.to.some(peerIsExternal)) continue;
      if (!r.ports?.length) found.add('any');
      for (const port of r.ports ?? []) found.add(String(port.port ?? 'any'));
    }
  }
  return found;
}

/** External peers (as JSON) allowed into a workload, per port. */
function externalIngress(objects: K8sObject[], w: Workload): Map<string, Set<string>> {
  const found = new Map<string, Set<string>>();
  for (const p of policies(objects)) {
    if (!(p.policyTypes ?? []).includes('Ingress') || !selects(p.podSelector, w.labels)) continue;
    for (const r of p.ingress ?? []) {
      const peers = r.from?.length ? r.from.filter(peerIsExternal) : [{ anywhere: true }];
      for (const peer of peers) {
        for (const port of r.ports?.length ? r.ports.map((x) => String(x.port ?? 'any')) : ['any']) {
          const set = found.get(port) ?? new Set<string>();
          set.add(JSON.stringify(peer));
          found.set(port, set);
        }
      }
    }
  }
  return found;
}

const sameSet = (a: Set<string>, b: Set<string>): boolean => a.size === b.size && [...a].every((x) => b.has(x));
const show = (s: Set<string>): string => `{${[...s].sort().join(', ')}}`;

function serviceEnvLiteral(objects: K8sObject[], service: string, name: string): string | undefined {
  const w = workloads(objects).find((x) => x.owner.kind === 'Deployment' && x.component === service);
  const c = w?.spec.containers[0];
  return c ? containerEnv(c, objects).get(name)?.value : undefined;
}

/** The services configured with STORE=dynamodb. */
function dynamodbServices(objects: K8sObject[]): string[] {
  return ['products', 'orders'].filter((service) => serviceEnvLiteral(objects, service, 'STORE') === 'dynamodb');
}

export const CROSS_CHECKS: CrossCheck[] = [
  {
    id: 'service-selects-pods',
    description:
      "Every Service's selector matches the pods of exactly one workload (besides that workload's canary, which shares its traffic on purpose), and its targetPort is a port those pods declare, the canary's too.",
    check(objects) {
      const failures: string[] = [];
      const all = workloads(objects);
      for (const s of objects.filter((o) => o.kind === 'Service')) {
        const spec = s.spec as {
          selector?: Record<string, string>;
          ports: Array<{ port: number; targetPort?: string | number }>;
        };
        const selected = all.filter(
          (w) =>
            w.owner.kind !== 'Pod' && w.owner.kind !== 'Job' && selects({ matchLabels: spec.selector ?? {} }, w.labels),
        );
        const matched = selected.filter((w) => !isCanary(w));
        const canaries = selected.filter(isCanary);
        if (matched.length !== 1 || canaries.length > 1) {
          failures.push(
            `${ref(s)} selects ${matched.length} workloads (${matched.map((w) => w.ref).join(', ') || 'none'}), want 1`,
          );
          continue;
        }
        for (const p of spec.ports) {
          const target = p.targetPort ?? p.port;
          for (const w of [...matched, ...canaries])
            if (!w.spec.containers.some((c) => declaresPort(c, target)))
              failures.push(`${ref(s)} port ${p.port} targets ${target}, which ${w.ref} does not declare`);
        }
      }
      return failures;
    },
  },
  {
    id: 'routes-reach-gateway',
    description:
      'The Ingress and HTTPRoute name Services and ports that exist; external routes lead to the gateway only; PodMonitors scrape a port the pods declare and no Service publishes.',
    check(objects) {
      const failures: string[] = [];
      const services = objects.filter((o) => o.kind === 'Service');
      const servicePorts = (name: string) =>
        (
          services.find((s) => s.metadata.name === name)?.spec as
            | { ports?: Array<{ name?: string; port: number }> }
            | undefined
        )?.ports;
      const gateway = services.find((s) => s.metadata.labels?.['app.kubernetes.io/component'] === 'gateway');
      for (const ing of objects.filter((o) => o.kind === 'Ingress')) {
        const rules =
          (
            ing.spec as {
              rules?: Array<{
                http?: {
                  paths: Array<{ backend: { service: { name: string; port: { name?: string; number?: number } } } }>;
                };
              }>;
            }
          ).rules ?? [];
        for (const path of rules.flatMap((r) => r.http?.paths ?? [])) {
          const { name, port } = path.backend.service;
          const found = servicePorts(name)?.some((p) => p.name === port.name || p.port === port.number);
          if (!found)
            failures.push(`${ref(ing)} routes to ${name}:${port.name ?? port.number}, which is not a Service port`);
          if (name !== gateway?.metadata.name) failures.push(`${ref(ing)} routes to ${name}, not the gateway`);
        }
      }
      for (const route of objects.filter((o) => o.kind === 'HTTPRoute')) {
        const rules =
          (route.spec as { rules?: Array<{ backendRefs?: Array<{ name: string; port?: number }> }> }).rules ?? [];
        for (const b of rules.flatMap((r) => r.backendRefs ?? [])) {
          if (!servicePorts(b.name)?.some((p) => p.port === b.port))
            failures.push(`${ref(route)} routes to ${b.name}:${b.port}, which is not a Service port`);
          if (b.name !== gateway?.metadata.name) failures.push(`${ref(route)} routes to ${b.name}, not the gateway`);
        }
      }
      // Metrics are scraped from the pods (PodMonitor), on a port no Service publishes.
      for (const s of services) {
        const ports = (s.spec as { ports?: Array<{ name?: string; targetPort?: string | number }> }).ports ?? [];
        for (const p of ports)
          if (p.name === 'metrics' || p.targetPort === 'metrics')
            failures.push(`${ref(s)} publishes the metrics port, which only Prometheus may reach`);
      }
      const pods = workloads(objects).filter((w) => w.owner.kind !== 'Pod' && w.owner.kind !== 'Job');
      for (const pm of objects.filter((o) => o.kind === 'PodMonitor')) {
        const spec = pm.spec as {
          selector: LabelSelector;
          podMetricsEndpoints: Array<{
            port?: string;
            honorLabels?: boolean;
            relabelings?: Array<{ targetLabel?: string; replacement?: string }>;
          }>;
        };
        const matched = pods.filter((w) => selects(spec.selector, w.labels));
        if (matched.length === 0) failures.push(`${ref(pm)} selects no pods`);
        for (const e of spec.podMetricsEndpoints) {
          // The rules and dashboards select on the services' own `service` label; Kubernetes SD would overwrite it.
          if (e.honorLabels !== true)
            failures.push(
              `${ref(pm)} endpoint ${e.port} lacks honorLabels: true, so the services' own service label is lost`,
            );
          for (const w of matched) {
            const component = w.labels['app.kubernetes.io/component'];
            if (!e.relabelings?.some((r) => r.targetLabel === 'service' && r.replacement === component)) {
              failures.push(`${ref(pm)} endpoint ${e.port} does not set the service label of up to "${component}"`);
            }
            if (!w.spec.containers.some((c) => declaresPort(c, e.port ?? '')))
              failures.push(`${ref(pm)} scrapes port ${e.port}, which ${w.ref} does not declare`);
          }
        }
      }
      return failures;
    },
  },
  {
    id: 'hpa-pdb-targets',
    description: 'Every HPA scales a Deployment the chart renders, and every PDB selects the pods of a workload.',
    check(objects) {
      const failures: string[] = [];
      for (const h of objects.filter((o) => o.kind === 'HorizontalPodAutoscaler')) {
        const target = (h.spec as { scaleTargetRef: { apiVersion?: string; kind: string; name: string } })
          .scaleTargetRef;
        const found = objects.find(
          (o) =>
            o.kind === target.kind &&
            o.metadata.name === target.name &&
            (!target.apiVersion || o.apiVersion === target.apiVersion),
        );
        if (!found) failures.push(`${ref(h)} scales ${target.kind}/${target.name}, which the chart does not render`);
      }
      const all = workloads(objects).filter((w) => w.owner.kind === 'Deployment' || w.owner.kind === 'StatefulSet');
      for (const p of objects.filter((o) => o.kind === 'PodDisruptionBudget')) {
        const selector = (p.spec as { selector?: LabelSelector }).selector;
        if (!all.some((w) => selects(selector, w.labels))) failures.push(`${ref(p)} selects no pods`);
      }
      return failures;
    },
  },
  {
    id: 'network-policy-selectors',
    description:
      'Every NetworkPolicy selects pods of the release, and every in-namespace pod peer it names matches a pod.',
    check(objects) {
      const failures: string[] = [];
      const all = workloads(objects);
      for (const o of objects.filter((x) => x.kind === 'NetworkPolicy')) {
        const spec = o.spec as PolicySpec;
        if (!all.some((w) => selects(spec.podSelector, w.labels))) failures.push(`${ref(o)} selects no pod`);
        for (const peer of [
          ...(spec.ingress ?? []).flatMap((r) => r.from ?? []),
          ...(spec.egress ?? []).flatMap((r) => r.to ?? []),
        ]) {
          if (peer.namespaceSelector || peer.ipBlock || !peer.podSelector) continue;
          if (!all.some((w) => selects(peer.podSelector, w.labels)))
            failures.push(
              `${ref(o)} names peer ${JSON.stringify(peer.podSelector.matchLabels ?? peer.podSelector)}, which matches no pod`,
            );
        }
      }
      return failures;
    },
  },
  {
    id: 'network-call-graph',
    description:
      'Inside the release, NetworkPolicies allow exactly the call graph: gateway → users, products, orders; orders → users, products; the helm test → gateway; in dev mode the database clients and Jobs → PostgreSQL and the Redis clients → Redis; with DynamoDB Local, the services whose STORE is dynamodb and their table-creation Jobs → DynamoDB Local.',
    check(objects) {
      const all = workloads(objects);
      const expected = new Set(CALL_GRAPH.map(([a, b]) => `${a} -> ${b}`));
      if (all.some((w) => w.component === 'acceptance')) expected.add('acceptance -> gateway');
      if (all.some((w) => w.component === 'postgres')) {
        for (const w of all)
          if (DATABASE_CLIENTS.includes(serviceOf(w) ?? '') && w.component !== 'acceptance')
            expected.add(`${w.component} -> postgres`);
      }
      if (all.some((w) => w.component === 'redis')) for (const c of REDIS_CLIENTS) expected.add(`${c} -> redis`);
      if (all.some((w) => w.component === 'dynamodb')) {
        for (const service of dynamodbServices(objects)) {
          expected.add(`${service} -> dynamodb`);
          if (all.some((w) => w.component === `migrate-${service}`)) expected.add(`migrate-${service} -> dynamodb`);
        }
      }
      const actual = new Set<string>();
      for (const from of all) {
        for (const to of all) {
          if (from === to) continue;
          if (ports(to).some((port) => allowed(objects, from, to, port)))
            actual.add(`${from.component} -> ${to.component}`);
        }
      }
      return [
        ...[...expected]
          .filter((e) => !actual.has(e))
          .map((e) => `${e} is in the call graph but NetworkPolicies block it`),
        ...[...actual]
          .filter((e) => !expected.has(e))
          .map((e) => `${e} is allowed by NetworkPolicies but is not in the call graph`),
      ];
    },
  },
  {
    id: 'network-outside',
    description:
      'Traffic with the outside: every pod may reach DNS; PostgreSQL, Redis and the OTLP collector only from their clients; DynamoDB (HTTPS, 443) only from the services whose STORE is dynamodb, unless DynamoDB Local runs in the release; only Prometheus reaches the services, on their metrics port, and only the gateway takes traffic from the ingress controller (on its service port).',
    check(objects) {
      const failures: string[] = [];
      const all = workloads(objects);
      const dev = all.some((w) => w.component === 'postgres');
      const redis = !dev && serviceEnvLiteral(objects, 'gateway', 'REDIS_HOST') !== undefined;
      const redisPort = serviceEnvLiteral(objects, 'gateway', 'REDIS_PORT') ?? '6379';
      const databasePort = serviceEnvLiteral(objects, 'users', 'POSTGRES_PORT') ?? '5432';
      const tracing = serviceEnvLiteral(objects, 'gateway', 'OTEL_EXPORTER_OTLP_ENDPOINT') !== undefined;
      const dynamodb = dynamodbServices(objects);
      const dynamodbLocal = all.some((w) => w.component === 'dynamodb');
      for (const w of all) {
        if (w.component === 'postgres' || w.component === 'redis' || w.component === 'dynamodb') {
          const got = externalEgressPorts(objects, w);
          if (got.size > 0) failures.push(`${w.ref} may call outside the release on ${show(got)}, want nothing`);
          continue;
        }
        const service = serviceOf(w);
        const want = new Set([String(DNS_PORT)]);
        if (!dev && service && DATABASE_CLIENTS.includes(service) && w.component !== 'acceptance')
          want.add(databasePort);
        if (redis && isService(w.component) && REDIS_CLIENTS.includes(w.component)) want.add(redisPort);
        if (tracing && isService(w.component)) want.add(String(OTLP_PORT));
        if (!dynamodbLocal && w.owner.kind === 'Deployment' && dynamodb.includes(w.component)) want.add('443');
        const got = externalEgressPorts(objects, w);
        if (!sameSet(got, want))
          failures.push(`${w.ref} may call outside the release on ports ${show(got)}, want ${show(want)}`);
      }
      const services = all.filter((w) => w.owner.kind === 'Deployment' && isService(w.component));
      const scrapers = new Map(services.map((w) => [w.component, externalIngress(objects, w)]));
      const reference = scrapers.get('users')?.get('metrics') ?? new Set<string>();
      if (reference.size === 0) failures.push('no Prometheus peer may scrape the users service');
      for (const w of all) {
        const ingress = externalIngress(objects, w);
        if (!isService(w.component) || w.owner.kind !== 'Deployment') {
          if (ingress.size > 0) failures.push(`${w.ref} accepts traffic from outside the release`);
          continue;
        }
        for (const [port, peers] of ingress) {
          if (port === 'metrics') {
            const extra = [...peers].filter((p) => !reference.has(p));
            if (extra.length > 0)
              failures.push(`${w.ref} lets ${extra.join(', ')} reach its metrics port, which only Prometheus may`);
            continue;
          }
          if (port !== 'http') {
            failures.push(`${w.ref} accepts outside traffic on port ${port}, neither its service nor its metrics port`);
            continue;
          }
          if (w.component !== 'gateway' && peers.size > 0)
            failures.push(`${w.ref} accepts outside traffic from ${[...peers].join(', ')}, which only the gateway may`);
        }
        if (w.component === 'gateway' && (ingress.get('http')?.size ?? 0) === 0)
          failures.push(`${w.ref} accepts no traffic from the ingress controller`);
        if (![...reference].every((p) => ingress.get('metrics')?.has(p)))
          failures.push(`${w.ref} cannot be scraped by Prometheus`);
      }
      return failures;
    },
  },
  {
    id: 'env-declared',
    description:
      "Every env var a service's pods and Jobs get (ConfigMap and env) is declared in that service's config schema (libs/platform acceptedEnvNames), every required one is set, and the literal values pass the schema.",
    check(objects) {
      const failures: string[] = [];
      for (const w of workloads(objects)) {
        const service = serviceOf(w);
        if (!service || w.component === 'acceptance') continue;
        const schema = configSchemas[service];
        const accepted = new Set(acceptedEnvNames(schema));
        for (const c of allContainers(w.spec)) {
          const env = containerEnv(c, objects);
          for (const e of env.values()) {
            if (!accepted.has(e.name))
              failures.push(
                `${w.ref} container ${c.name}: ${e.name} (from ${e.from}) is not declared in services/${service}/src/config.ts`,
              );
          }
          for (const row of describeConfig(schema).filter((r) => r.required)) {
            if (!env.has(row.name) && !env.has(`${row.name}_FILE`))
              failures.push(`${w.ref} container ${c.name}: required ${row.name} is not set`);
          }
          // Parse what the pod would see, secrets stood in by placeholders, to catch values the service would reject.
          const literal: Record<string, string> = {};
          for (const e of env.values()) {
            if (!accepted.has(e.name) || e.name.endsWith('_FILE')) continue;
            literal[e.name] = e.secret ? 'placeholder-secret-value-0123456789' : (e.value ?? '');
          }
          try {
            loadConfig(schema, literal);
          } catch (err) {
            failures.push(
              `${w.ref} container ${c.name}: services/${service} would refuse its environment: ${(err as Error).message}`,
            );
          }
        }
      }
      return failures;
    },
  },
  {
    id: 'service-port-env',
    description:
      "Each service's PORT equals its containerPort, and each upstream URL names the upstream's Service and port.",
    check(objects) {
      const failures: string[] = [];
      const services = objects.filter((o) => o.kind === 'Service');
      for (const w of workloads(objects).filter((x) => x.owner.kind === 'Deployment' && isService(x.component))) {
        for (const c of w.spec.containers) {
          const env = containerEnv(c, objects);
          const port = env.get('PORT')?.value;
          if (!c.ports?.some((p) => String(p.containerPort) === port))
            failures.push(`${w.ref}: PORT ${port ?? 'unset'} is not a containerPort`);
          for (const [, callee] of CALL_GRAPH.filter(([caller]) => caller === w.component)) {
            const url = env.get(`${callee.toUpperCase()}_URL`)?.value;
            const svc = services.find((s) => s.metadata.labels?.['app.kubernetes.io/component'] === callee);
            const svcPort = (svc?.spec as { ports?: Array<{ port: number }> } | undefined)?.ports?.[0]?.port;
            if (!svc || url !== `http://${svc.metadata.name}:${svcPort}`)
              failures.push(`${w.ref}: ${callee.toUpperCase()}_URL is ${url ?? 'unset'}, want the ${callee} Service`);
          }
        }
      }
      return failures;
    },
  },
  {
    id: 'secret-refs',
    description:
      'Every secretKeyRef and envFrom names the release Secret or a rendered ConfigMap; when the chart renders the Secret (ExternalSecret or dev mode), every referenced key is in it.',
    check(objects) {
      const failures: string[] = [];
      const produced = new Map<string, Set<string>>();
      for (const es of objects.filter((o) => o.kind === 'ExternalSecret')) {
        const spec = es.spec as { target?: { name?: string }; data?: Array<{ secretKey: string }> };
        produced.set(spec.target?.name ?? es.metadata.name, new Set((spec.data ?? []).map((d) => d.secretKey)));
      }
      for (const s of objects.filter((o) => o.kind === 'Secret')) {
        produced.set(
          s.metadata.name,
          new Set([
            ...Object.keys((s.data as object | undefined) ?? {}),
            ...Object.keys((s.stringData as object | undefined) ?? {}),
          ]),
        );
      }
      const names = new Set<string>();
      for (const w of workloads(objects)) {
        for (const c of allContainers(w.spec)) {
          for (const e of c.env ?? []) {
            const r = e.valueFrom?.secretKeyRef;
            if (!r) continue;
            names.add(r.name);
            const keys = produced.get(r.name);
            if (keys && !keys.has(r.key))
              failures.push(`${w.ref} container ${c.name}: ${e.name} reads key ${r.key}, which ${r.name} does not get`);
          }
          for (const from of c.envFrom ?? []) {
            if (from.secretRef)
              failures.push(`${w.ref} container ${c.name}: envFrom a whole Secret; name each key with secretKeyRef`);
            const cm = from.configMapRef?.name;
            if (cm && !objects.some((o) => o.kind === 'ConfigMap' && o.metadata.name === cm))
              failures.push(`${w.ref} container ${c.name}: envFrom ConfigMap ${cm}, which the chart does not render`);
          }
        }
      }
      if (names.size > 1)
        failures.push(`pods read ${names.size} Secrets (${[...names].join(', ')}), want the one release Secret`);
      return failures;
    },
  },
  {
    id: 'service-accounts-exist',
    description:
      'Every serviceAccountName is a ServiceAccount the chart renders, and the pre-install Jobs use one that exists before them.',
    check(objects) {
      const failures: string[] = [];
      const accounts = objects.filter((o) => o.kind === 'ServiceAccount');
      const phase = (o: K8sObject) => o.metadata.annotations?.['helm.sh/hook'];
      for (const w of workloads(objects)) {
        const name = w.spec.serviceAccountName;
        if (!name) continue;
        const sa = accounts.find((a) => a.metadata.name === name);
        if (!sa) {
          failures.push(`${w.ref} runs as ServiceAccount ${name}, which the chart does not render`);
          continue;
        }
        const hook = phase(w.owner);
        if (hook?.includes('pre-install') && !phase(sa)?.includes('pre-install'))
          failures.push(`${w.ref} is a pre-install hook but ${ref(sa)} is created after hooks`);
      }
      return failures;
    },
  },
  {
    id: 'spread-selectors',
    description: 'Topology spread and anti-affinity selectors match the pods of their own workload.',
    check(objects) {
      const failures: string[] = [];
      for (const w of workloads(objects)) {
        for (const t of w.spec.topologySpreadConstraints ?? []) {
          if (!selects(t.labelSelector, w.labels))
            failures.push(`${w.ref}: spread over ${t.topologyKey} selects other pods than its own`);
        }
        for (const p of w.spec.affinity?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []) {
          if (!selects(p.podAffinityTerm.labelSelector, w.labels))
            failures.push(
              `${w.ref}: anti-affinity over ${p.podAffinityTerm.topologyKey} selects other pods than its own`,
            );
        }
      }
      return failures;
    },
  },
  {
    id: 'acceptance-targets-gateway',
    description:
      "The helm test Pod runs the acceptance suite against the release's gateway Service, in the gateway image.",
    check(objects) {
      const failures: string[] = [];
      const all = workloads(objects);
      const gatewayService = objects.find(
        (o) => o.kind === 'Service' && o.metadata.labels?.['app.kubernetes.io/component'] === 'gateway',
      );
      const gatewayImage = all.find((w) => w.owner.kind === 'Deployment' && w.component === 'gateway')?.spec
        .containers[0]?.image;
      for (const w of all.filter((x) => x.owner.metadata.annotations?.['helm.sh/hook'] === 'test')) {
        for (const c of w.spec.containers) {
          const args = [...(c.command ?? []), ...(c.args ?? [])];
          const base = args[args.indexOf('--base-url') + 1];
          const port = (gatewayService?.spec as { ports?: Array<{ port: number }> } | undefined)?.ports?.[0]?.port;
          if (!gatewayService || base !== `http://${gatewayService.metadata.name}:${port}`)
            failures.push(`${w.ref}: --base-url ${base ?? 'unset'} is not the gateway Service`);
          if (!args.includes('tools/acceptance/main.ts'))
            failures.push(`${w.ref}: does not run tools/acceptance/main.ts`);
          if (c.image !== gatewayImage) failures.push(`${w.ref}: image ${c.image} is not the gateway image`);
        }
      }
      return failures;
    },
  },
];

export interface CrossCheckResult {
  id: string;
  failures: string[];
}

export function runCrossChecks(objects: K8sObject[], checks: CrossCheck[] = CROSS_CHECKS): CrossCheckResult[] {
  return checks.map((c) => ({ id: c.id, failures: c.check(objects) }));
}
