// The checkers bite: every policy rule and every cross-check fails on a rendered chart broken the way it guards
// against, with a message that names the object; and the four examples (broken securityContext, typo'd values
// key, wrong probe port, undeclared env var) fail through the real Helm path.
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CROSS_CHECKS, runCrossChecks } from './cross-checks.ts';
import { schemaErrors, UnknownFieldChecker } from './kube-schema.ts';
import { RULES, runPolicy, formatFinding } from './policy.ts';
import { chartDir, IDENTITY, lint, render, template, VALUE_SETS, type K8sObject, type ValueSet } from './render.ts';
import type { Container, PodSpec } from './workloads.ts';
import { SERVICES } from '../dev/services.ts';

const PROD = VALUE_SETS.find((v) => v.name === 'prod') as ValueSet;
const DEV = VALUE_SETS.find((v) => v.name === 'dev') as ValueSet;
let prod: K8sObject[] = [];
let dev: K8sObject[] = [];

before(() => {
  prod = render(PROD);
  dev = render(DEV);
});

type Objects = K8sObject[];
type Json = Record<string, unknown>;
const find = (objects: Objects, kind: string, component: string): K8sObject => {
  const found = objects.find(
    (o) => o.kind === kind && o.metadata.labels?.['app.kubernetes.io/component'] === component,
  );
  if (!found) throw new Error(`no ${kind} for ${component}`);
  return found;
};
const pod = (o: K8sObject): PodSpec => (o.spec as { template: { spec: PodSpec } }).template.spec;
const main = (o: K8sObject): Container => {
  const c = pod(o).containers[0];
  if (!c) throw new Error(`${o.metadata.name} has no container`);
  return c;
};
const spec = (o: K8sObject): Json => o.spec as Json;
const policy = (objects: Objects, component: string): K8sObject => {
  const found = objects.find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === `shipshape-${component}`);
  if (!found) throw new Error(`no NetworkPolicy for ${component}`);
  return found;
};
const gateway = (objects: Objects) => find(objects, 'Deployment', 'gateway');

interface Breakage {
  /** What is broken, for the test name. */
  what: string;
  base?: 'prod' | 'dev';
  breaks(objects: Objects): void;
  /** A fragment the failure message must contain. */
  says: string;
}

const RULE_BREAKAGES: Record<string, Breakage> = {
  'pss-run-as-non-root': {
    what: 'runAsNonRoot is dropped',
    breaks: (o) => {
      delete pod(gateway(o)).securityContext?.runAsNonRoot;
      delete main(gateway(o)).securityContext?.runAsNonRoot;
    },
    says: 'runAsNonRoot is not true',
  },
  'uid-gid-10001': {
    what: 'the pod runs as UID 1000',
    breaks: (o) => Object.assign(pod(gateway(o)).securityContext ?? {}, { runAsUser: 1000 }),
    says: 'runAsUser is 1000',
  },
  'pss-privilege-escalation': {
    what: 'allowPrivilegeEscalation is true',
    breaks: (o) => Object.assign(main(gateway(o)).securityContext ?? {}, { allowPrivilegeEscalation: true }),
    says: 'allowPrivilegeEscalation is not false',
  },
  'pss-capabilities': {
    what: 'SYS_ADMIN is added',
    breaks: (o) =>
      Object.assign(main(gateway(o)).securityContext ?? {}, { capabilities: { drop: ['ALL'], add: ['SYS_ADMIN'] } }),
    says: 'capabilities.add has SYS_ADMIN',
  },
  'pss-seccomp': {
    what: 'the seccomp profile is removed',
    breaks: (o) => delete pod(gateway(o)).securityContext?.seccompProfile,
    says: 'seccompProfile is unset',
  },
  'pss-host-isolation': {
    what: 'hostNetwork is on',
    breaks: (o) => Object.assign(pod(gateway(o)), { hostNetwork: true }),
    says: 'hostNetwork is true',
  },
  'pss-volume-types': {
    what: 'a hostPath volume is mounted',
    breaks: (o) => pod(gateway(o)).volumes?.push({ name: 'host', hostPath: { path: '/' } }),
    says: 'volume host is of type hostPath',
  },
  'read-only-root-filesystem': {
    what: 'the root filesystem is writable',
    breaks: (o) => Object.assign(main(gateway(o)).securityContext ?? {}, { readOnlyRootFilesystem: false }),
    says: 'readOnlyRootFilesystem is not true',
  },
  resources: {
    what: 'the memory limit is removed',
    breaks: (o) => delete main(gateway(o)).resources?.limits?.memory,
    says: 'no memory limit',
  },
  'image-pinned': {
    what: 'the image uses the latest tag',
    breaks: (o) => Object.assign(main(gateway(o)), { image: 'ghcr.io/shipshape/shipshape-gateway:latest' }),
    says: 'uses the latest tag',
  },
  probes: {
    what: 'the readinessProbe is removed',
    breaks: (o) => delete main(gateway(o)).readinessProbe,
    says: 'no readinessProbe',
  },
  'probes-distinct': {
    what: 'readiness probes what liveness probes',
    breaks: (o) => Object.assign(main(gateway(o)), { readinessProbe: structuredClone(main(gateway(o)).livenessProbe) }),
    says: 'probe the same thing',
  },
  'probe-ports-declared': {
    what: 'the liveness probe targets an undeclared port',
    breaks: (o) => Object.assign(main(gateway(o)).livenessProbe?.httpGet ?? {}, { port: 'admin' }),
    says: 'livenessProbe port admin is not a declared containerPort',
  },
  'container-ports': {
    what: 'the container listens on port 80',
    breaks: (o) => Object.assign(main(gateway(o)).ports?.[0] ?? {}, { containerPort: 80 }),
    says: 'port 80 is privileged',
  },
  'service-accounts': {
    what: 'a ServiceAccount mounts its token',
    breaks: (o) => Object.assign(find(o, 'ServiceAccount', 'users'), { automountServiceAccountToken: true }),
    says: 'ServiceAccount/shipshape-users: automountServiceAccountToken is not false',
  },
  'rolling-update': {
    what: 'the rollout allows maxUnavailable 1',
    breaks: (o) =>
      Object.assign(spec(gateway(o)), { strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1 } } }),
    says: 'maxUnavailable is 1, want 0',
  },
  'graceful-shutdown': {
    what: 'the grace period is 20 s',
    breaks: (o) => Object.assign(pod(gateway(o)), { terminationGracePeriodSeconds: 20 }),
    says: 'terminationGracePeriodSeconds 20 is not longer than preStop + drain + timeout (30s)',
  },
  spread: {
    what: 'the topology spread is removed',
    breaks: (o) => delete pod(gateway(o)).topologySpreadConstraints,
    says: 'no topology spread across zones',
  },
  pdb: {
    what: 'a PDB blocks every eviction',
    breaks: (o) => Object.assign(spec(find(o, 'PodDisruptionBudget', 'orders')), { maxUnavailable: 0 }),
    says: 'maxUnavailable is 0, want 1',
  },
  hpa: {
    what: 'an HPA allows minReplicas 1',
    breaks: (o) => Object.assign(spec(find(o, 'HorizontalPodAutoscaler', 'users')), { minReplicas: 1 }),
    says: 'minReplicas is 1',
  },
  'network-policy-coverage': {
    what: 'the default-deny policy is removed',
    breaks: (o) =>
      o.splice(
        o.findIndex((x) => x.metadata.name === 'shipshape-default-deny'),
        1,
      ),
    says: 'no default-deny NetworkPolicy selects its pods',
  },
  'no-secret-literals': {
    what: 'a ConfigMap holds a password',
    breaks: (o) => Object.assign((find(o, 'ConfigMap', 'users').data as Json) ?? {}, { POSTGRES_PASSWORD: 'hunter2' }),
    says: 'POSTGRES_PASSWORD is a secret',
  },
  'job-ttl': {
    what: 'a Job has no ttlSecondsAfterFinished',
    breaks: (o) => delete spec(find(o, 'Job', 'migrate-users')).ttlSecondsAfterFinished,
    says: 'no ttlSecondsAfterFinished',
  },
  'priority-class': {
    what: 'a pod takes a system priority class',
    breaks: (o) => Object.assign(pod(gateway(o)), { priorityClassName: 'system-node-critical' }),
    says: 'priorityClassName "system-node-critical" is reserved',
  },
  selectors: {
    what: 'a Service selects on an extra label',
    breaks: (o) => Object.assign(spec(find(o, 'Service', 'orders')).selector as Json, { tier: 'backend' }),
    says: 'want name + instance',
  },
  'label-values': {
    what: 'a label value has a space',
    breaks: (o) => Object.assign(gateway(o).metadata.labels ?? {}, { team: 'shop floor' }),
    says: 'label team has invalid value',
  },
  'service-type': {
    what: 'a Service is of type LoadBalancer',
    breaks: (o) => Object.assign(spec(find(o, 'Service', 'gateway')), { type: 'LoadBalancer' }),
    says: 'type is LoadBalancer',
  },
  'job-image': {
    what: 'a migration Job runs another image',
    breaks: (o) =>
      Object.assign(main(find(o, 'Job', 'migrate-orders')), { image: 'ghcr.io/shipshape/shipshape-users:0.1.0' }),
    says: 'is not the orders image',
  },
};

const CROSS_BREAKAGES: Record<string, Breakage> = {
  'service-selects-pods': {
    what: 'a Service selector has a typo',
    breaks: (o) =>
      Object.assign(spec(find(o, 'Service', 'users')).selector as Json, { 'app.kubernetes.io/name': 'shipshape-user' }),
    says: 'Service/shipshape-users selects 0 workloads',
  },
  'routes-reach-gateway': {
    what: 'the Ingress routes to the users service',
    breaks: (o) => {
      const ingress = o.find((x) => x.kind === 'Ingress') as K8sObject;
      const rules = spec(ingress).rules as Array<{
        http: { paths: Array<{ backend: { service: { name: string } } }> };
      }>;
      const path = rules[0]?.http.paths[0];
      if (path) path.backend.service.name = 'shipshape-users';
    },
    says: 'routes to shipshape-users, not the gateway',
  },
  'hpa-pdb-targets': {
    what: 'an HPA scales a Deployment that does not exist',
    breaks: (o) =>
      Object.assign(spec(find(o, 'HorizontalPodAutoscaler', 'orders')).scaleTargetRef as Json, {
        name: 'shipshape-order',
      }),
    says: 'scales Deployment/shipshape-order, which the chart does not render',
  },
  'network-policy-selectors': {
    what: 'a NetworkPolicy selects a misspelt pod label',
    breaks: (o) =>
      Object.assign((spec(policy(o, 'orders')).podSelector as { matchLabels: Json }).matchLabels, {
        'app.kubernetes.io/name': 'shipshape-order',
      }),
    says: 'NetworkPolicy/shipshape-orders selects no pod',
  },
  'network-call-graph': {
    what: 'orders loses its egress to users and products gains one to orders',
    breaks: (o) => {
      const egress = spec(policy(o, 'orders')).egress as Array<{
        to?: Array<{ podSelector?: { matchLabels?: Json } }>;
      }>;
      egress.splice(
        egress.findIndex((r) => r.to?.[0]?.podSelector?.matchLabels?.['app.kubernetes.io/name'] === 'shipshape-users'),
        1,
      );
      (spec(policy(o, 'products')).egress as unknown[]).push({
        to: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'shipshape-orders' } } }],
        ports: [{ port: 3003 }],
      });
      (spec(policy(o, 'orders')).ingress as unknown[]).push({
        from: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'shipshape-products' } } }],
      });
    },
    says: 'orders -> users is in the call graph but NetworkPolicies block it',
  },
  'network-outside': {
    what: 'the users service may call anywhere on 443',
    breaks: (o) => (spec(policy(o, 'users')).egress as unknown[]).push({ ports: [{ port: 443, protocol: 'TCP' }] }),
    says: 'Deployment/shipshape-users may call outside the release on ports {443, 53, 5432, 6379}',
  },
  'env-declared': {
    what: 'a ConfigMap sets an env var no config schema declares',
    breaks: (o) => Object.assign(find(o, 'ConfigMap', 'gateway').data as Json, { GATEWAY_COLOUR: 'blue' }),
    says: 'GATEWAY_COLOUR (from ConfigMap/shipshape-gateway) is not declared in services/gateway/src/config.ts',
  },
  'service-port-env': {
    what: 'PORT differs from the containerPort',
    breaks: (o) => Object.assign(find(o, 'ConfigMap', 'orders').data as Json, { PORT: '3005' }),
    says: 'Deployment/shipshape-orders: PORT 3005 is not a containerPort',
  },
  'secret-refs': {
    what: 'a secretKeyRef names a key the ExternalSecret does not fetch',
    breaks: (o) => {
      const ref = main(find(o, 'Deployment', 'orders')).env?.find((e) => e.name === 'SERVICE_PRIVATE_KEY')?.valueFrom
        ?.secretKeyRef;
      if (ref) ref.key = 'orders-service-kee';
    },
    says: 'SERVICE_PRIVATE_KEY reads key orders-service-kee, which shipshape-secrets does not get',
  },
  'service-accounts-exist': {
    what: 'a pod runs as a ServiceAccount the chart does not render',
    breaks: (o) => Object.assign(pod(gateway(o)), { serviceAccountName: 'shipshape-gateway-sa' }),
    says: 'runs as ServiceAccount shipshape-gateway-sa, which the chart does not render',
  },
  'spread-selectors': {
    what: 'a topology spread selects other pods',
    breaks: (o) => {
      const first = pod(gateway(o)).topologySpreadConstraints?.[0];
      if (first) first.labelSelector = { matchLabels: { 'app.kubernetes.io/name': 'shipshape-users' } };
    },
    says: 'spread over topology.kubernetes.io/zone selects other pods than its own',
  },
  'acceptance-targets-gateway': {
    what: 'the helm test is aimed at the users service',
    breaks: (o) => {
      const test = o.find((x) => x.kind === 'Pod') as K8sObject;
      const command = (test.spec as PodSpec).containers[0]?.command ?? [];
      command[command.indexOf('--base-url') + 1] = 'http://shipshape-users:3001';
    },
    says: '--base-url http://shipshape-users:3001 is not the gateway Service',
  },
};

describe('the policy rules', () => {
  test('when the rule table is compared with the breakages below, then every rule has one', () => {
    assert.deepEqual(Object.keys(RULE_BREAKAGES).sort(), RULES.map((r) => r.id).sort());
  });
  for (const r of RULES) {
    const breakage = RULE_BREAKAGES[r.id];
    if (!breakage) continue;
    test(`when ${breakage.what}, then ${r.id} reports it`, () => {
      const objects = structuredClone(breakage.base === 'dev' ? dev : prod);
      assert.deepEqual(r.check(objects), [], 'the unbroken chart already fails');
      breakage.breaks(objects);
      const findings = runPolicy(objects)
        .filter((f) => f.rule === r.id)
        .map((f) => `${f.where}: ${f.message}`);
      assert.ok(
        findings.some((f) => f.includes(breakage.says)),
        `want "${breakage.says}", got ${JSON.stringify(findings)}`,
      );
    });
  }
});

describe('the cross-checks', () => {
  test('when the cross-check table is compared with the breakages below, then every cross-check has one', () => {
    assert.deepEqual(Object.keys(CROSS_BREAKAGES).sort(), CROSS_CHECKS.map((c) => c.id).sort());
  });
  for (const c of CROSS_CHECKS) {
    const breakage = CROSS_BREAKAGES[c.id];
    if (!breakage) continue;
    test(`when ${breakage.what}, then ${c.id} fails`, () => {
      const objects = structuredClone(breakage.base === 'dev' ? dev : prod);
      assert.deepEqual(c.check(objects), [], 'the unbroken chart already fails');
      breakage.breaks(objects);
      const failures = runCrossChecks(objects, [c]).flatMap((r) => r.failures);
      assert.ok(
        failures.some((f) => f.includes(breakage.says)),
        `want "${breakage.says}", got ${JSON.stringify(failures)}`,
      );
    });
  }
});

describe('the schema checks', () => {
  let unknownFields: UnknownFieldChecker;
  before(() => {
    unknownFields = new UnknownFieldChecker();
  });
  const errorsOf = async (o: K8sObject) => [...(await schemaErrors(o)), ...unknownFields.check(o)];

  test('when a securityContext field is misspelt, then the unknown-field walk names it', async () => {
    const d = structuredClone(gateway(prod));
    Object.assign(main(d).securityContext ?? {}, { runAsNonroot: true });
    assert.deepEqual(await errorsOf(d), [
      'Deployment/shipshape-gateway: .spec.template.spec.containers[0].securityContext.runAsNonroot is not a field of SecurityContext',
    ]);
  });

  test('when a field newer than Kubernetes 1.31 is used (pod-level resources, 1.32), then it is unknown', async () => {
    const d = structuredClone(gateway(prod));
    Object.assign(pod(d), { resources: { limits: { cpu: '1' } } });
    assert.deepEqual(await errorsOf(d), [
      'Deployment/shipshape-gateway: .spec.template.spec.resources is not a field of PodSpec',
    ]);
  });

  test('when a metadata field is misspelt, then it is unknown', async () => {
    const d = structuredClone(gateway(prod));
    Object.assign(d.metadata, { label: { a: 'b' } });
    assert.deepEqual(await errorsOf(d), ['Deployment/shipshape-gateway: .metadata.label is not a field of ObjectMeta']);
  });

  test('when a PodMonitor drops honorLabels or the service relabeling, then the routes cross-check names it', () => {
    const objects = structuredClone(prod);
    const sm = objects.find((o) => o.kind === 'PodMonitor') as K8sObject;
    const endpoint = (sm.spec as { podMetricsEndpoints: Array<Record<string, unknown>> })
      .podMetricsEndpoints[0] as Record<string, unknown>;
    delete endpoint.honorLabels;
    endpoint.relabelings = [];
    const failures = runCrossChecks(objects).flatMap((r) => r.failures);
    assert.ok(
      failures.some((f) => /lacks honorLabels: true/.test(f)),
      failures.join('\n'),
    );
    assert.ok(
      failures.some((f) => /does not set the service label of up/.test(f)),
      failures.join('\n'),
    );
  });

  test('when a PodMonitor endpoint has a misspelt field, then the CRD walk names it', async () => {
    const sm = structuredClone(prod.find((o) => o.kind === 'PodMonitor') as K8sObject);
    const endpoint = (spec(sm).podMetricsEndpoints as Json[])[0] ?? {};
    endpoint.intervall = '10s';
    const errors = await errorsOf(sm);
    assert.equal(errors.length, 1);
    assert.match(
      errors[0] ?? '',
      /PodMonitor\/shipshape-gateway: \.spec\.podMetricsEndpoints\[0\]\.intervall is not a field of/,
    );
  });

  test('when an ExternalSecret and a PrometheusRule carry unknown fields, then both are named', async () => {
    const es = structuredClone(prod.find((o) => o.kind === 'ExternalSecret') as K8sObject);
    Object.assign(spec(es).target as Json, { creationPolcy: 'Owner' });
    assert.match((await errorsOf(es)).join('\n'), /\.spec\.target\.creationPolcy is not a field of/);
    const rule = structuredClone(prod.find((o) => o.kind === 'PrometheusRule') as K8sObject);
    Object.assign((spec(rule).groups as Json[])[0] ?? {}, { rulez: [] });
    assert.match((await errorsOf(rule)).join('\n'), /\.spec\.groups\[0\]\.rulez is not a field of/);
  });

  test('when an HTTPRoute backend has a misspelt field, then it is unknown', async () => {
    const route = structuredClone(
      render(VALUE_SETS.find((v) => v.name === 'prod-gateway-api-loki') as ValueSet).find(
        (o) => o.kind === 'HTTPRoute',
      ) as K8sObject,
    );
    const rules = spec(route).rules as Array<{ backendRefs: Json[] }>;
    Object.assign(rules[0]?.backendRefs[0] ?? {}, { prot: 3000 });
    assert.match((await errorsOf(route)).join('\n'), /\.spec\.rules\[0\]\.backendRefs\[0\]\.prot is not a field of/);
  });

  test('when a value has the wrong type or enum, then the schema rejects it', async () => {
    const d = structuredClone(gateway(prod));
    Object.assign(main(d).ports?.[0] ?? {}, { containerPort: 'three thousand' });
    assert.match((await errorsOf(d)).join('\n'), /containerPort must be integer/);
    const pdb = structuredClone(find(prod, 'PodDisruptionBudget', 'users'));
    Object.assign(spec(pdb), { unhealthyPodEvictionPolicy: 'Always' });
    assert.match(
      (await errorsOf(pdb)).join('\n'),
      /unhealthyPodEvictionPolicy must be equal to one of the allowed values/,
    );
  });

  test('when an API version Kubernetes 1.31 does not serve is used, then it is refused', async () => {
    const hpa = structuredClone(find(prod, 'HorizontalPodAutoscaler', 'users'));
    hpa.apiVersion = 'autoscaling/v2beta2';
    assert.deepEqual(await schemaErrors(hpa), [
      'HorizontalPodAutoscaler/shipshape-users: autoscaling/v2beta2 HorizontalPodAutoscaler is neither served by Kubernetes 1.31 nor a known CRD',
    ]);
  });
});

describe('the issue examples, through Helm', () => {
  let copy = '';
  before(() => {
    copy = mkdtempSync(join(tmpdir(), 'shipshape-chart-'));
  });
  after(() => rmSync(copy, { recursive: true, force: true }));

  /** A copy of the chart with one template edited. */
  function editedChart(name: string, file: string, from: string, to: string): string {
    const dir = join(copy, name);
    cpSync(chartDir, dir, { recursive: true, dereference: true });
    const path = join(dir, 'templates', file);
    const text = readFileSync(path, 'utf8');
    assert.ok(text.includes(from), `${file} no longer contains ${from}`);
    writeFileSync(path, text.replace(from, to));
    return dir;
  }

  test('when the securityContext helper allows privilege escalation, then the policy rules report every container', () => {
    const chart = editedChart(
      'escalation',
      '_helpers.tpl',
      'allowPrivilegeEscalation: false',
      'allowPrivilegeEscalation: true',
    );
    const findings = runPolicy(render(PROD, chart)).filter((f) => f.rule === 'pss-privilege-escalation');
    assert.ok(findings.length >= 7, `only ${findings.length} findings`);
    assert.ok(
      findings
        .map(formatFinding)
        .includes(
          'Deployment/shipshape-gateway container gateway: [pss-privilege-escalation] allowPrivilegeEscalation is not false',
        ),
    );
  });

  test('when the values run a pod as root, then the values schema refuses them', () => {
    const result = lint({
      name: 'root',
      files: ['values-prod.yaml', IDENTITY],
      set: ['podSecurityContext.runAsUser=0'],
    });
    assert.notEqual(result.status, 0);
    assert.match(
      result.stdout + result.stderr,
      /podSecurityContext\.runAsUser: Must be greater than or equal to 10001/,
    );
  });

  test("when a values key is typo'd, then helm lint and helm template both fail naming it", () => {
    const typo: ValueSet = { name: 'typo', files: ['values-prod.yaml', IDENTITY], set: ['gateway.replicas=3'] };
    const linted = lint(typo);
    assert.notEqual(linted.status, 0);
    assert.match(linted.stdout + linted.stderr, /gateway: Additional property replicas is not allowed/);
    const rendered = template(typo);
    assert.notEqual(rendered.status, 0);
    assert.match(rendered.stderr, /gateway: Additional property replicas is not allowed/);
  });

  test('when a typo hides in a values file, then the schema names the file key too', () => {
    const dir = join(copy, 'values-typo');
    mkdirSync(dir, { recursive: true });
    cpSync(chartDir, join(dir, 'chart'), { recursive: true, dereference: true });
    writeFileSync(join(dir, 'chart', 'values-typo.yaml'), 'ingress:\n  enabled: true\n  clasName: nginx\n');
    const result = template({ name: 'file-typo', files: ['values-typo.yaml'] }, join(dir, 'chart'));
    assert.notEqual(result.status, 0);
    assert.match(result.stderr, /ingress: Additional property clasName is not allowed/);
  });

  test('when the liveness probe targets an undeclared port, then probe-ports-declared reports each service', () => {
    const chart = editedChart(
      'probe-port',
      'deployment.yaml',
      'path: /health\n              port: http',
      'path: /health\n              port: admin',
    );
    const findings = runPolicy(render(PROD, chart))
      .filter((f) => f.rule === 'probe-ports-declared')
      .map(formatFinding);
    assert.deepEqual(
      findings,
      SERVICES.map(
        (s) =>
          `Deployment/shipshape-${s} container ${s}: [probe-ports-declared] livenessProbe port admin is not a declared containerPort`,
      ),
    );
  });

  test('when a service is given an env var its config schema does not declare, then env-declared names it and the schema file', () => {
    const objects = render({
      name: 'undeclared',
      files: ['values-prod.yaml', IDENTITY],
      set: ['users.env.USERS_COLOUR=blue'],
    });
    const failures = runCrossChecks(objects).flatMap((r) => r.failures);
    assert.ok(
      failures.includes(
        'Deployment/shipshape-users container users: USERS_COLOUR (from ConfigMap/shipshape-users) is not declared in services/users/src/config.ts',
      ),
      JSON.stringify(failures),
    );
  });

  test('when orders loses SERVICE_PRIVATE_KEY, then env-declared reports the missing required variable for the service and its Jobs', () => {
    const objects = render({
      name: 'no-service-key',
      files: ['values-prod.yaml', IDENTITY],
      set: ['orders.secretEnv.SERVICE_PRIVATE_KEY=null'],
    });
    const failures = runCrossChecks(objects)
      .flatMap((r) => r.failures)
      .filter((f) => f.includes('required SERVICE_PRIVATE_KEY is not set'));
    assert.deepEqual(failures, [
      'Deployment/shipshape-orders container orders: required SERVICE_PRIVATE_KEY is not set',
      'Job/shipshape-migrate-orders container migrate: required SERVICE_PRIVATE_KEY is not set',
    ]);
  });

  test('when the issuer or orders’ public key is not given, then the chart refuses to render and says which value', () => {
    const noIssuer = template({ name: 'no-issuer', files: ['values-prod.yaml'] });
    assert.notEqual(noIssuer.status, 0);
    assert.match(noIssuer.stderr, /auth\.issuer is required/);
    const noKey = template({
      name: 'no-key',
      files: ['values-prod.yaml'],
      set: ['auth.issuer=https://issuer.example.com', 'auth.audience=api'],
    });
    assert.match(noKey.stderr, /serviceIdentity\.ordersPublicKey is required/);
  });

  test('when an env value is one the service would refuse, then env-declared quotes the service', () => {
    const objects = render({
      name: 'bad-level',
      files: ['values-prod.yaml', IDENTITY],
      set: ['env.LOG_LEVEL=verbose'],
    });
    const failures = runCrossChecks(objects).flatMap((r) => r.failures);
    assert.ok(
      failures.some((f) =>
        f.startsWith(
          'Deployment/shipshape-gateway container gateway: services/gateway would refuse its environment: invalid configuration: LOG_LEVEL',
        ),
      ),
      JSON.stringify(failures),
    );
  });

  test('when the observability folder is empty or has one file each, then the chart renders nothing or exactly those, through the symlink', () => {
    const dir = join(copy, 'observability-link');
    cpSync(chartDir, join(dir, 'deploy/helm/shipshape'), { recursive: true, verbatimSymlinks: true });
    mkdirSync(join(dir, 'deploy/observability/rules'), { recursive: true });
    mkdirSync(join(dir, 'deploy/observability/dashboards'), { recursive: true });
    const chart = join(dir, 'deploy/helm/shipshape');
    const on: ValueSet = {
      name: 'observability',
      files: [IDENTITY],
      set: ['metrics.prometheusRule.enabled=true', 'metrics.dashboards.enabled=true'],
    };
    const empty = render(on, chart);
    assert.equal(empty.filter((o) => o.kind === 'PrometheusRule' || o.metadata.labels?.grafana_dashboard).length, 0);
    writeFileSync(
      join(dir, 'deploy/observability/rules/probe.yaml'),
      'groups:\n  - name: probe\n    rules:\n      - alert: ProbeAlert\n        expr: vector(1)\n',
    );
    writeFileSync(join(dir, 'deploy/observability/dashboards/probe.json'), '{"title": "Probe"}\n');
    const one = render(on, chart);
    assert.deepEqual(one.find((o) => o.kind === 'PrometheusRule')?.spec, {
      groups: [{ name: 'probe', rules: [{ alert: 'ProbeAlert', expr: 'vector(1)' }] }],
    });
    assert.equal(
      (one.find((o) => o.metadata.labels?.grafana_dashboard === '1')!.data as Record<string, string>)['probe.json'],
      '{"title": "Probe"}',
    );
  });
});

describe('the canary exception is the canary only', () => {
  const CANARY = VALUE_SETS.find((v) => v.name === 'prod-canary') as ValueSet;
  const deployment = (objects: Objects, name: string): K8sObject => {
    const found = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === name);
    if (!found) throw new Error(`no Deployment ${name}`);
    return found;
  };
  const podLabels = (o: K8sObject) =>
    (spec(o).template as { metadata: { labels: Record<string, string> } }).metadata.labels;
  const findings = (objects: Objects) => [
    ...runPolicy(objects).map(formatFinding),
    ...runCrossChecks(objects).flatMap((r) => r.failures.map((f) => `[${r.id}] ${f}`)),
  ];

  test('when the stable Deployment also selects on track, then the selectors rule reports it', () => {
    const objects = render(CANARY);
    (spec(deployment(objects, 'shipshape-products')).selector as { matchLabels: Json }).matchLabels.track = 'stable';
    assert.match(findings(objects).join('\n'), /Deployment\/shipshape-products: \[selectors\] selects on .*track/);
  });

  test('when the canary pods lose their track label, then the Service selects two workloads and it is reported', () => {
    const objects = render(CANARY);
    const canary = deployment(objects, 'shipshape-products-canary');
    delete podLabels(canary).track;
    delete (spec(canary).selector as { matchLabels: Json }).matchLabels.track;
    assert.match(findings(objects).join('\n'), /Service\/shipshape-products selects 2 workloads/);
  });

  test("when a canaried service's migration runs the stable image, then job-image reports it", () => {
    const objects = render(CANARY);
    Object.assign(main(find(objects, 'Job', 'migrate-products')), {
      image: main(deployment(objects, 'shipshape-products')).image,
    });
    assert.match(
      findings(objects).join('\n'),
      /Job\/shipshape-migrate-products.*\[job-image\] .* is not the products image/,
    );
  });
});
