// npm run check:chart: lints and renders the chart for every value set, validates every object against the
// Kubernetes 1.31 and CRD schemas (unknown fields included), runs the policy rules and the cross-checks, and prints
// the counts.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parse } from 'yaml';
import { CROSS_CHECKS, runCrossChecks } from './cross-checks.ts';
import { schemaErrors, UnknownFieldChecker } from './kube-schema.ts';
import { formatFinding, RULES, runPolicy } from './policy.ts';
import { chartDir, IDENTITY, lint, render, VALUE_SETS, type K8sObject, type ValueSet } from './render.ts';
import { repoRoot } from './setup-helm.ts';
import { workloads } from './workloads.ts';
import { SERVICE_LIST, SERVICES } from '../dev/services.ts';

const valueSet = (name: string): ValueSet => {
  const found = VALUE_SETS.find((v) => v.name === name);
  if (!found) throw new Error(`no value set ${name}`);
  return found;
};

const tally = {
  objects: new Map<string, number>(),
  kinds: new Set<string>(),
  schemaErrors: 0,
  findings: new Map<string, number>(),
  crossFailures: 0,
};
let unknownFields: UnknownFieldChecker;

before(() => {
  unknownFields = new UnknownFieldChecker();
});

for (const values of VALUE_SETS) {
  describe(`the chart with ${values.name} values`, () => {
    let objects: K8sObject[] = [];
    before(() => {
      objects = render(values);
      tally.objects.set(values.name, objects.length);
      for (const o of objects) tally.kinds.add(`${o.apiVersion} ${o.kind}`);
    });

    test('when linted with --strict, then Helm reports no error and no warning', () => {
      const result = lint(values);
      assert.equal(result.status, 0, `helm lint --strict failed:\n${result.stdout}\n${result.stderr}`);
      assert.doesNotMatch(result.stdout, /\[(WARNING|ERROR)\]/);
    });

    test('when rendered, then every object validates against its schema and has no unknown field', async () => {
      assert.ok(objects.length > 20, `only ${objects.length} objects rendered`);
      const errors: string[] = [];
      for (const o of objects) errors.push(...(await schemaErrors(o)), ...unknownFields.check(o));
      tally.schemaErrors += errors.length;
      assert.deepEqual(errors, []);
    });

    test('when the policy rules run, then they find nothing', () => {
      const findings = runPolicy(objects);
      tally.findings.set(values.name, findings.length);
      assert.deepEqual(findings.map(formatFinding), []);
    });

    test('when the cross-checks run, then every one holds', () => {
      const failures = runCrossChecks(objects).flatMap((r) => r.failures.map((f) => `[${r.id}] ${f}`));
      tally.crossFailures += failures.length;
      assert.deepEqual(failures, []);
    });
  });
}

describe('what the chart renders', () => {
  const kinds = (objects: K8sObject[]) => objects.map((o) => o.kind);
  const byComponent = (objects: K8sObject[], kind: string, component: string) =>
    objects.find((o) => o.kind === kind && o.metadata.labels?.['app.kubernetes.io/component'] === component);

  test('when a release is under analysis, then each listed service runs a canary Deployment of the new image behind its Service, and without it the canary is gone', () => {
    const objects = render(valueSet('prod-canary'));
    const deployments = objects.filter((o) => o.kind === 'Deployment');
    const canary = deployments.find((o) => o.metadata.name === 'shipshape-products-canary');
    const stable = deployments.find((o) => o.metadata.name === 'shipshape-products');
    assert.ok(canary && stable, 'the products canary renders beside the stable Deployment');
    const [c, st] = [canary, stable].map((o) => workloads([o])[0]);
    assert.match(
      c?.spec.containers[0]?.image ?? '',
      /shipshape-products@sha256:0123456789abcdef/,
      'deployed by digest',
    );
    assert.notEqual(c?.spec.containers[0]?.image, st?.spec.containers[0]?.image);
    assert.equal((canary.spec as { replicas?: number }).replicas, 1);
    assert.equal(c?.labels.track, 'canary');
    assert.equal(st?.labels.track, 'stable');
    const service = objects.find((o) => o.kind === 'Service' && o.metadata.name === 'shipshape-products');
    const selector = (service!.spec as { selector: Record<string, string> }).selector;
    for (const w of [c, st])
      assert.ok(
        Object.entries(selector).every(([k, v]) => w?.labels[k] === v),
        'one Service, both tracks',
      );
    assert.ok(deployments.some((o) => o.metadata.name === 'shipshape-gateway-canary'));
    assert.ok(!deployments.some((o) => /-(users|orders)-canary$/.test(o.metadata.name)), 'only the listed services');
    const migrate = workloads(objects).find((w) => w.component === 'migrate-products');
    assert.equal(
      migrate?.spec.containers[0]?.image,
      c?.spec.containers[0]?.image,
      "the new version's migrations run first",
    );
    const migrateUsers = workloads(objects).find((w) => w.component === 'migrate-users');
    assert.doesNotMatch(
      migrateUsers?.spec.containers[0]?.image ?? '',
      /@sha256/,
      'a service without canary keeps its image',
    );
    const monitor = objects.find((o) => o.kind === 'PodMonitor' && o.metadata.name === 'shipshape-products');
    assert.deepEqual((monitor!.spec as { podTargetLabels?: string[] }).podTargetLabels, ['track']);

    // Rollback and promotion both render the release without the canary: Helm then deletes its Deployment.
    const after = render({
      ...valueSet('prod-canary'),
      set: [...(valueSet('prod-canary').set ?? []), 'canary.enabled=false'],
    });
    assert.deepEqual(
      after.filter((o) => o.metadata.name.endsWith('-canary')).map((o) => o.metadata.name),
      [],
    );
  });

  test('when rendered with defaults, then each service gets a Deployment, Service, ServiceAccount, ConfigMap and PDB, and optional features stay off', () => {
    const objects = render(valueSet('default'));
    for (const service of SERVICES) {
      for (const kind of [
        'Deployment',
        'Service',
        'ServiceAccount',
        'ConfigMap',
        'PodDisruptionBudget',
        'NetworkPolicy',
      ]) {
        assert.ok(byComponent(objects, kind, service), `no ${kind} for ${service}`);
      }
    }
    for (const kind of [
      'HorizontalPodAutoscaler',
      'Ingress',
      'HTTPRoute',
      'PodMonitor',
      'PrometheusRule',
      'ExternalSecret',
      'StatefulSet',
      'Secret',
    ]) {
      assert.ok(!kinds(objects).includes(kind), `${kind} is rendered by default`);
    }
  });

  test('when orders and products use DynamoDB on EKS, then they get their table, region and IRSA role, and no migration Job', () => {
    const objects = render(valueSet('prod-terraform-dynamodb'));
    const config = (service: string) => byComponent(objects, 'ConfigMap', service)?.data as Record<string, string>;
    assert.equal(config('orders').STORE, 'dynamodb');
    assert.equal(config('orders').DYNAMODB_TABLE, 'shipshape-prod-orders');
    assert.equal(config('products').DYNAMODB_TABLE, 'shipshape-prod-catalog');
    assert.equal(config('orders').AWS_REGION, 'eu-west-1');
    assert.equal(config('orders').DYNAMODB_ENDPOINT, undefined);
    assert.equal(config('users').STORE, undefined);
    assert.match(
      byComponent(objects, 'ServiceAccount', 'orders')?.metadata.annotations?.['eks.amazonaws.com/role-arn'] ?? '',
      /role\/shipshape-prod-orders$/,
    );
    assert.deepEqual(
      objects.filter((o) => o.kind === 'Job').map((j) => j.metadata.name),
      ['shipshape-migrate-users', 'shipshape-migrate-conduit'],
    );
    assert.ok(!byComponent(objects, 'Deployment', 'dynamodb'), 'DynamoDB Local runs in production');
  });

  test('when dev values turn on DynamoDB Local, then it runs pinned by digest and hook Jobs create the tables after install', () => {
    const objects = render(valueSet('dev-dynamodb-local'));
    const local = byComponent(objects, 'Deployment', 'dynamodb');
    const image = (local!.spec as { template: { spec: { containers: Array<{ image: string }> } } }).template.spec
      .containers[0]?.image;
    assert.match(image ?? '', /^amazon\/dynamodb-local:[0-9.]+@sha256:[a-f0-9]{64}$/);
    const config = byComponent(objects, 'ConfigMap', 'orders')?.data as Record<string, string>;
    assert.equal(config.DYNAMODB_ENDPOINT, 'http://shipshape-dynamodb:8000');
    for (const service of ['orders', 'products']) {
      const job = objects.find((o) => o.kind === 'Job' && o.metadata.name === `shipshape-migrate-${service}`);
      assert.equal(job?.metadata.annotations?.['helm.sh/hook'], 'post-install,post-upgrade');
    }
    assert.equal(
      render(valueSet('dev')).some((o) => o.metadata.labels?.['app.kubernetes.io/component'] === 'dynamodb'),
      false,
      'DynamoDB Local is on by default in dev',
    );
  });

  test('when the RealWorld API gets a host of its own, then the Ingress and an HTTPRoute send its /api to the gateway', () => {
    const objects = render({
      name: 'conduit-host',
      files: [IDENTITY],
      set: [
        'ingress.enabled=true',
        'ingress.conduitHost=api.conduit.example.com',
        'httpRoute.enabled=true',
        'httpRoute.parentRefs[0].name=edge',
        'httpRoute.conduitHostnames[0]=conduit.example.com',
      ],
    });
    type Rule = { host?: string; http: { paths: { path: string; backend: { service: { name: string } } }[] } };
    const rules = (objects.find((o) => o.kind === 'Ingress')!.spec as { rules: Rule[] }).rules;
    assert.deepEqual(
      rules.map((r) => [r.host, r.http.paths[0]?.path, r.http.paths[0]?.backend.service.name]),
      [
        ['shop.example.com', '/', 'shipshape-gateway'],
        ['api.conduit.example.com', '/api', 'shipshape-gateway'],
      ],
    );
    const route = objects.find((o) => o.kind === 'HTTPRoute' && o.metadata.name === 'shipshape-conduit');
    const spec = route?.spec as { hostnames: string[]; rules: { matches: { path: { value: string } }[] }[] };
    assert.deepEqual(spec.hostnames, ['conduit.example.com']);
    assert.equal(spec.rules[0]?.matches[0]?.path.value, '/api');
    assert.deepEqual(runPolicy(objects).map(formatFinding), []);
  });

  test('when rendered with prod values, then HPAs replace replicas, migrations run before install and upgrade, and the ALB Ingress is internet-facing with target-type ip', () => {
    const objects = render(valueSet('prod'));
    for (const service of SERVICES) {
      assert.ok(byComponent(objects, 'HorizontalPodAutoscaler', service), `no HPA for ${service}`);
      assert.equal((byComponent(objects, 'Deployment', service)!.spec as { replicas?: number }).replicas, undefined);
    }
    const jobs = objects.filter((o) => o.kind === 'Job');
    assert.deepEqual(
      jobs.map((j) => j.metadata.name).sort(),
      SERVICE_LIST.filter((s) => s.migrations)
        .map((s) => `shipshape-migrate-${s.name}`)
        .sort(),
    );
    for (const j of jobs) {
      assert.equal(j.metadata.annotations?.['helm.sh/hook'], 'pre-install,pre-upgrade');
      const c = (j.spec as { template: { spec: { containers: Array<{ command: string[]; args: string[] }> } } })
        .template.spec.containers[0];
      assert.deepEqual(
        [...(c?.command ?? []), ...(c?.args ?? [])],
        ['node', 'tools/db/migrate.ts', '--service', j.metadata.name.replace('shipshape-migrate-', '')],
      );
    }
    const ingress = objects.find((o) => o.kind === 'Ingress');
    assert.equal((ingress!.spec as { ingressClassName?: string }).ingressClassName, 'alb');
    assert.equal(ingress?.metadata.annotations?.['alb.ingress.kubernetes.io/scheme'], 'internet-facing');
    assert.equal(ingress?.metadata.annotations?.['alb.ingress.kubernetes.io/target-type'], 'ip');
    assert.equal(ingress?.metadata.annotations?.['alb.ingress.kubernetes.io/healthcheck-path'], '/ready');
    const es = objects.find((o) => o.kind === 'ExternalSecret');
    assert.equal(
      es?.metadata.annotations?.['helm.sh/hook'],
      'pre-install,pre-upgrade',
      'the Secret must exist before the migration Jobs',
    );
  });

  test('when an ACM certificate ARN is given, then the ALB serves HTTPS with it and redirects HTTP', () => {
    const arn = 'arn:aws:acm:eu-west-1:123456789012:certificate/0b7e6a3c-1111-2222-3333-444455556666';
    const objects = render({
      name: 'prod-tls',
      files: ['values-prod.yaml', IDENTITY],
      set: [`ingress.alb.certificateArn=${arn}`],
    });
    const annotations = objects.find((o) => o.kind === 'Ingress')?.metadata.annotations ?? {};
    assert.equal(annotations['alb.ingress.kubernetes.io/certificate-arn'], arn);
    assert.equal(annotations['alb.ingress.kubernetes.io/ssl-redirect'], '443');
  });

  test('when rendered with dev values, then PostgreSQL (with a PVC) and Redis run in the release, migrations run after install, and a generated Secret holds every key the pods read', () => {
    const objects = render(valueSet('dev'));
    const postgres = objects.find((o) => o.kind === 'StatefulSet');
    assert.ok((postgres!.spec as { volumeClaimTemplates?: unknown[] }).volumeClaimTemplates?.length);
    assert.ok(objects.some((o) => o.kind === 'Deployment' && o.metadata.name === 'shipshape-redis'));
    for (const j of objects.filter((o) => o.kind === 'Job' && o.metadata.name.startsWith('shipshape-migrate'))) {
      assert.equal(j.metadata.annotations?.['helm.sh/hook'], 'post-install,post-upgrade');
    }
    const secret = objects.find((o) => o.kind === 'Secret');
    assert.deepEqual(Object.keys((secret?.data as object | undefined) ?? {}).sort(), [
      'acceptance-admin-token',
      'acceptance-user-token',
      'conduit-database-url',
      'conduit-jwt-secret',
      'orders-database-url',
      'orders-service-key',
      'postgres-password',
      'products-database-url',
      'redis-password',
      'users-database-url',
    ]);
  });

  test('when dev mode runs without migration and seed Jobs, then no Job or Job policy is rendered and every cross-check still holds', () => {
    const objects = render({
      name: 'dev-no-jobs',
      files: ['values-dev.yaml', IDENTITY],
      set: ['migrations.enabled=false', 'seed.enabled=false'],
    });
    assert.ok(!objects.some((o) => o.kind === 'Job' || o.metadata.name === 'shipshape-jobs'));
    assert.deepEqual(
      runCrossChecks(objects).flatMap((r) => r.failures),
      [],
    );
    assert.deepEqual(runPolicy(objects).map(formatFinding), []);
  });

  test("when observability is on, then one PrometheusRule per rule file and one ConfigMap per dashboard come from deploy/observability, through the chart's symlink", () => {
    const objects = render(valueSet('prod'));
    const rulesDir = join(repoRoot, 'deploy/observability/rules');
    const ruleFiles = readdirSync(rulesDir).filter((f) => f.endsWith('.yaml'));
    const rules = objects.filter((o) => o.kind === 'PrometheusRule');
    assert.equal(rules.length, ruleFiles.length);
    for (const file of ruleFiles) {
      const rendered = rules.find((r) => r.metadata.name === `shipshape-${file.replace(/\.yaml$/, '')}`);
      assert.deepEqual(
        rendered?.spec,
        parse(readFileSync(join(rulesDir, file), 'utf8')),
        `${file} is not included as it is`,
      );
    }
    const dashboardsDir = join(repoRoot, 'deploy/observability/dashboards');
    const dashboardFiles = readdirSync(dashboardsDir).filter((f) => f.endsWith('.json'));
    const dashboards = objects.filter((o) => o.kind === 'ConfigMap' && o.metadata.labels?.grafana_dashboard === '1');
    assert.equal(dashboards.length, dashboardFiles.length);
    for (const file of dashboardFiles) {
      const data = dashboards.map((d) => (d.data as Record<string, string>)[file]).find((x) => x !== undefined);
      assert.equal(
        data,
        readFileSync(join(dashboardsDir, file), 'utf8').replace(/\n$/, ''),
        `${file} is not included as it is`,
      );
    }
  });

  test('when every pod of every value set is listed, then each runs as UID/GID 10001 with a read-only root filesystem', () => {
    for (const values of VALUE_SETS) {
      for (const w of workloads(render(values))) {
        assert.equal(w.spec.securityContext?.runAsUser, 10001, `${values.name} ${w.ref}`);
        assert.equal(w.spec.securityContext?.runAsGroup, 10001, `${values.name} ${w.ref}`);
        for (const c of w.spec.containers)
          assert.equal(c.securityContext?.readOnlyRootFilesystem, true, `${values.name} ${w.ref}`);
      }
    }
  });

  test('when the values files are read, then none holds a secret value: secret names appear only as secretEnv keys', () => {
    const secretNames =
      /^(DATABASE_URL|POSTGRES_PASSWORD|REDIS_PASSWORD|REDIS_URL|SERVICE_PRIVATE_KEY|OTEL_EXPORTER_OTLP_HEADERS)(_FILE)?$/;
    const problems: string[] = [];
    const walk = (value: unknown, path: string[]) => {
      if (typeof value === 'string' && /[a-z]+:\/\/[^/:@\s]+:[^@\s]+@/.test(value))
        problems.push(`${path.join('.')} holds a URL with a password`);
      if (value === null || typeof value !== 'object') return;
      for (const [key, child] of Object.entries(value)) {
        if (secretNames.test(key) && path.at(-1) !== 'secretEnv')
          problems.push(`${[...path, key].join('.')} sets a secret`);
        walk(child, [...path, key]);
      }
    };
    const files = readdirSync(chartDir).filter((f) => /^values.*\.yaml$/.test(f));
    assert.ok(files.length >= 3);
    for (const file of files) walk(parse(readFileSync(join(chartDir, file), 'utf8')), [file]);
    assert.deepEqual(problems, []);
  });
});

after(() => {
  const total = [...tally.objects.values()].reduce((a, b) => a + b, 0);
  const perSet = [...tally.objects].map(([name, n]) => `${name} ${n}`).join(', ');
  const findings = [...tally.findings].map(([name, n]) => `${name} ${n}`).join(', ');
  console.log(
    [
      `check:chart: ${VALUE_SETS.length} value sets, ${total} rendered objects (${perSet}) of ${tally.kinds.size} kinds`,
      `check:chart: schema and unknown-field errors: ${tally.schemaErrors} (Kubernetes 1.31 types + CRDs)`,
      `check:chart: ${RULES.length} policy rules, findings: ${findings}`,
      `check:chart: ${CROSS_CHECKS.length} cross-checks, failures: ${tally.crossFailures}`,
    ].join('\n'),
  );
});
