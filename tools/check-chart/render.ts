// Runs Helm on the chart: lint --strict and template, and parses what template renders into plain objects.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
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

/** Where the chart's test value sets live (chart-testing's `ci/`): `<name>-values.yaml`, each starting with a
 * `# layered on: <files>` line naming the environment files (relative to the chart) it goes on top of. */
export const CI_DIR = join(chartDir, 'ci');

/** What every install supplies (Terraform on AWS): the issuer of user tokens and orders' service key. */
export const IDENTITY = 'ci/values-identity.yaml';

function ciValueSets(): ValueSet[] {
  return readdirSync(CI_DIR)
    .filter((f) => f.endsWith('-values.yaml'))
    .sort()
    .map((f) => {
      const base =
        /^# layered on: (.+)$/m
          .exec(readFileSync(join(CI_DIR, f), 'utf8'))?.[1]
          ?.trim()
          .split(/\s+/) ?? [];
      // Every install supplies an issuer and orders' service key; a set's own file may override them.
      return { name: f.replace(/-values\.yaml$/, ''), files: [...base, IDENTITY, `ci/${f}`] };
    });
}

/** The value sets every check runs on: the chart's defaults, the two environment files, and each ci/ set. */
export const VALUE_SETS: ValueSet[] = [
  { name: 'default', files: [IDENTITY] },
  { name: 'dev', files: ['values-dev.yaml', IDENTITY] },
  { name: 'prod', files: ['values-prod.yaml', IDENTITY] },
  ...ciValueSets(),
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
