// Runs Helm on the chart: lint --strict and template, and parses what template renders into plain objects.
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { ensureHelm, repoRoot } from './setup-helm.ts';

export const chartDir = join(repoRoot, 'deploy/helm/shipshape');
export const RELEASE = 'shipshape';
export const NAMESPACE = 'shop';
/** The Kubernetes version the chart is rendered and checked for (EKS's oldest in standard support when written). */
export const KUBE_VERSION = '1.31.0';

/** A rendered Kubernetes object, with the template it came from. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
  /** Not part of the object: the template that rendered it (from Helm's "# Source:" comment). */
  source?: string;
}

/** A set of values to render with: files (relative to the chart, or absolute), then --set overrides. */
export interface ValueSet {
  name: string;
  files: string[];
  set?: string[];
}

/** The value sets every check runs on: the three the issue names, prod with Terraform's layer, and two that turn on
 * the alternatives. */
export const VALUE_SETS: ValueSet[] = [
  { name: 'default', files: [] },
  { name: 'dev', files: ['values-dev.yaml'] },
  { name: 'prod', files: ['values-prod.yaml'] },
  { name: 'prod-terraform', files: ['values-prod.yaml', join(repoRoot, 'tools/check-chart/fixtures/values-aws.yaml')] },
  {
    name: 'prod-gateway-api-loki',
    files: ['values-prod.yaml'],
    set: [
      'ingress.enabled=false',
      'httpRoute.enabled=true',
      'httpRoute.parentRefs[0].name=public',
      'httpRoute.parentRefs[0].namespace=gateway-system',
      'httpRoute.hostnames[0]=shop.example.com',
      'networkPolicy.ingressFrom[0].namespaceSelector.matchLabels.kubernetes\\.io/metadata\\.name=gateway-system',
      'logging.shipper=alloy-loki',
      'tracing.otlpEndpoint=http://otel-collector.observability:4318',
      'tracing.selectors[0].namespaceSelector.matchLabels.kubernetes\\.io/metadata\\.name=observability',
      'seed.enabled=true',
    ],
  },
  {
    // A release under analysis: canary Deployments of two services beside the stable ones (deploy.yml sets these).
    name: 'prod-canary',
    files: ['values-prod.yaml', join(repoRoot, 'tools/check-chart/fixtures/values-aws.yaml')],
    set: [
      'canary.enabled=true',
      `canary.services.products.digest=sha256:${'0123456789abcdef'.repeat(4)}`,
      'canary.services.gateway.tag=4f2a9c1',
    ],
  },
  {
    name: 'dev-dynamodb-local',
    files: ['values-dev.yaml'],
    set: ['orders.store=dynamodb', 'products.store=dynamodb', 'dynamodb.local.enabled=true'],
  },
  {
    name: 'prod-terraform-dynamodb',
    files: ['values-prod.yaml', join(repoRoot, 'tools/check-chart/fixtures/values-aws.yaml')],
    set: ['orders.store=dynamodb', 'products.store=dynamodb', 'dynamodb.tables.orders=shipshape-prod-orders'],
  },
  {
    name: 'dev-nginx-path',
    files: ['values-dev.yaml'],
    set: [
      'ingress.enabled=true',
      'ingress.className=nginx',
      'ingress.routing=path',
      'ingress.path=/shop',
      'gateway.autoscaling.enabled=true',
    ],
  },
];

export interface HelmResult {
  status: number;
  stdout: string;
  stderr: string;
}

function helm(args: string[]): HelmResult {
  const cache = join(repoRoot, '.cache/helm-home');
  mkdirSync(cache, { recursive: true });
  const run = spawnSync(ensureHelm(), args, {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    // Keep Helm's own config and cache out of the user's home.
    env: {
      ...process.env,
      HELM_CONFIG_HOME: join(cache, 'config'),
      HELM_CACHE_HOME: join(cache, 'cache'),
      HELM_DATA_HOME: join(cache, 'data'),
    },
  });
  if (run.error) throw run.error;
  return { status: run.status ?? 1, stdout: run.stdout, stderr: run.stderr };
}

function valueArgs(values: ValueSet, chart: string): string[] {
  return [
    ...values.files.flatMap((f) => ['-f', isAbsolute(f) ? f : join(chart, f)]),
    ...(values.set ?? []).flatMap((s) => ['--set', s]),
  ];
}

export function lint(values: ValueSet, chart = chartDir): HelmResult {
  return helm([
    'lint',
    '--strict',
    '--kube-version',
    KUBE_VERSION,
    '--namespace',
    NAMESPACE,
    chart,
    ...valueArgs(values, chart),
  ]);
}

export function template(values: ValueSet, chart = chartDir): HelmResult {
  return helm([
    'template',
    RELEASE,
    chart,
    '--namespace',
    NAMESPACE,
    '--kube-version',
    KUBE_VERSION,
    ...valueArgs(values, chart),
  ]);
}

/** Renders the chart and parses the objects; throws with Helm's message when rendering fails. */
export function render(values: ValueSet, chart = chartDir): K8sObject[] {
  const result = template(values, chart);
  if (result.status !== 0) throw new Error(`helm template (${values.name}) failed: ${result.stderr.trim()}`);
  return parseManifests(result.stdout);
}

export function parseManifests(text: string): K8sObject[] {
  const objects: K8sObject[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new Error(`rendered YAML does not parse: ${doc.errors[0]?.message}`);
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) continue;
    if (typeof value !== 'object' || Array.isArray(value))
      throw new Error(`rendered document is not an object: ${JSON.stringify(value)}`);
    const source = /# Source: (\S+)/.exec(doc.commentBefore ?? '')?.[1];
    objects.push({ ...(value as K8sObject), ...(source ? { source } : {}) });
  }
  return objects;
}

/** "Kind/name", how findings name an object. */
export const ref = (o: { kind: string; metadata: { name: string } }): string => `${o.kind}/${o.metadata.name}`;
