// The Chaos Mesh experiments of deploy/chaos: the subset of the chaos-mesh.org/v1alpha1 CRD schemas they use (with
// unknown fields refused, as the API server's structural schemas do), and the cross-references only this repository
// can check: selectors that select the chart's real pods, container names and ports those pods have, scenarios that
// exist in the game-day tool and alerts that exist in the rules.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import { parse } from 'yaml';
import type { K8sObject } from './render.ts';
import { repoRoot } from './setup-helm.ts';
import { allContainers, selects, workloads } from './workloads.ts';

export const CHAOS_DIR = join(repoRoot, 'deploy', 'chaos');
/** The namespace the experiments (and the runbooks) assume the release runs in. */
export const CHAOS_NAMESPACE = 'shipshape';

const duration = { type: 'string', pattern: '^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$' } as const;
const selector = {
  type: 'object',
  additionalProperties: false,
  required: ['namespaces', 'labelSelectors'],
  properties: {
    namespaces: { type: 'array', items: { type: 'string' }, minItems: 1 },
    labelSelectors: { type: 'object', additionalProperties: { type: 'string' }, minProperties: 1 },
  },
} as const;
const mode = { enum: ['one', 'all', 'fixed', 'fixed-percent', 'random-max-percent'] } as const;
const common = { selector, mode, value: { type: 'string' }, duration } as const;

const podChaosSpec = {
  type: 'object',
  additionalProperties: false,
  required: ['action', 'mode', 'selector'],
  properties: {
    ...common,
    action: { enum: ['pod-kill', 'pod-failure', 'container-kill'] },
    gracePeriod: { type: 'integer', minimum: 0 },
    containerNames: { type: 'array', items: { type: 'string' }, minItems: 1 },
  },
} as const;
const networkChaosSpec = {
  type: 'object',
  additionalProperties: false,
  required: ['action', 'mode', 'selector'],
  properties: {
    ...common,
    action: { enum: ['netem', 'delay', 'loss', 'duplicate', 'corrupt', 'partition', 'bandwidth'] },
    direction: { enum: ['to', 'from', 'both'] },
    delay: {
      type: 'object',
      additionalProperties: false,
      required: ['latency'],
      properties: { latency: duration, jitter: duration, correlation: { type: 'string' } },
    },
    target: {
      type: 'object',
      additionalProperties: false,
      required: ['mode', 'selector'],
      properties: { mode, value: { type: 'string' }, selector },
    },
  },
} as const;
const httpChaosSpec = {
  type: 'object',
  additionalProperties: false,
  required: ['mode', 'selector', 'target', 'port'],
  properties: {
    ...common,
    target: { enum: ['Request', 'Response'] },
    port: { type: 'integer', minimum: 1, maximum: 65535 },
    path: { type: 'string' },
    method: { type: 'string' },
    abort: { type: 'boolean' },
    delay: duration,
    replace: {
      type: 'object',
      additionalProperties: false,
      properties: { code: { type: 'integer', minimum: 100, maximum: 599 }, body: { type: 'string' } },
    },
  },
} as const;
const scheduleSpec = {
  type: 'object',
  additionalProperties: false,
  required: ['schedule', 'type'],
  properties: {
    schedule: { type: 'string' },
    type: { enum: ['PodChaos', 'NetworkChaos', 'HTTPChaos'] },
    historyLimit: { type: 'integer', minimum: 1 },
    concurrencyPolicy: { enum: ['Forbid', 'Allow'] },
    startingDeadlineSeconds: { type: 'integer' },
    podChaos: podChaosSpec,
    networkChaos: networkChaosSpec,
    httpChaos: httpChaosSpec,
  },
} as const;

const SPECS = {
  PodChaos: podChaosSpec,
  NetworkChaos: networkChaosSpec,
  HTTPChaos: httpChaosSpec,
  Schedule: scheduleSpec,
};

const ajv = new Ajv({ allErrors: true, strict: true });
const validators = new Map<string, ValidateFunction>(
  Object.entries(SPECS).map(([kind, spec]) => [
    kind,
    ajv.compile({
      type: 'object',
      additionalProperties: false,
      required: ['apiVersion', 'kind', 'metadata', 'spec'],
      properties: {
        apiVersion: { const: 'chaos-mesh.org/v1alpha1' },
        kind: { const: kind },
        metadata: {
          type: 'object',
          additionalProperties: false,
          required: ['name', 'namespace', 'annotations'],
          properties: {
            name: { type: 'string', pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$' },
            namespace: { type: 'string' },
            annotations: { type: 'object', additionalProperties: { type: 'string' } },
          },
        },
        spec,
      },
    }),
  ]),
);

export interface ChaosExperiment {
  file: string;
  doc: {
    apiVersion: string;
    kind: string;
    metadata: { name: string; namespace: string; annotations: Record<string, string> };
    spec: Record<string, unknown>;
  };
}

export const loadChaosExperiments = (dir = CHAOS_DIR): ChaosExperiment[] =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => ({ file: f, doc: parse(readFileSync(join(dir, f), 'utf8')) as ChaosExperiment['doc'] }));

/** Schema errors of one experiment (empty when it is valid). */
export function chaosSchemaErrors(e: ChaosExperiment): string[] {
  const validate = validators.get(e.doc?.kind);
  if (!validate) return [`${e.file}: kind ${String(e.doc?.kind)} is not one of ${[...validators.keys()].join(', ')}`];
  if (validate(e.doc)) return [];
  return (validate.errors ?? []).map(
    (err) => `${e.file}: ${err.instancePath || '/'} ${err.message} ${JSON.stringify(err.params)}`,
  );
}

interface Selector {
  namespaces: string[];
  labelSelectors: Record<string, string>;
}

/** The fault specs inside an experiment (a Schedule holds one), with the selectors and target selectors they use. */
function faultSpecs(e: ChaosExperiment): { kind: string; spec: Record<string, unknown> }[] {
  if (e.doc.kind !== 'Schedule') return [{ kind: e.doc.kind, spec: e.doc.spec }];
  const type = String(e.doc.spec.type);
  const key = `${type.charAt(0).toLowerCase()}${type.slice(1)}`;
  return [{ kind: type, spec: (e.doc.spec[key] ?? {}) as Record<string, unknown> }];
}

export interface ChaosContext {
  /** Every object the chart renders, over the value sets that matter (dev values for in-release PostgreSQL/Redis). */
  objects: K8sObject[];
  scenarios: string[];
  alerts: Set<string>;
}

/** Cross-reference problems of one experiment (empty when it holds). */
export function chaosReferenceProblems(e: ChaosExperiment, ctx: ChaosContext): string[] {
  const problems: string[] = [];
  const at = `${e.file}`;
  const pods = workloads(ctx.objects);
  const scenario = e.doc.metadata.annotations['shipshape.io/scenario'];
  if (!scenario || !ctx.scenarios.includes(scenario))
    problems.push(`${at}: annotation shipshape.io/scenario ${String(scenario)} is not a game-day scenario`);
  const expected = (e.doc.metadata.annotations['shipshape.io/expected-alerts'] ?? '').split(',').filter(Boolean);
  if (!expected.length) problems.push(`${at}: annotation shipshape.io/expected-alerts names no alert`);
  for (const a of expected) if (!ctx.alerts.has(a)) problems.push(`${at}: expected alert ${a} is not in the rules`);
  if (e.doc.metadata.namespace !== CHAOS_NAMESPACE)
    problems.push(`${at}: metadata.namespace must be ${CHAOS_NAMESPACE}, got ${e.doc.metadata.namespace}`);
  const selected = (s: Selector | undefined, what: string) => {
    if (!s) return [];
    if (s.namespaces.join() !== CHAOS_NAMESPACE)
      problems.push(`${at}: ${what} namespaces must be [${CHAOS_NAMESPACE}]`);
    const found = pods.filter((w) => w.owner.kind !== 'Job' && selects({ matchLabels: s.labelSelectors }, w.labels));
    if (!found.length) problems.push(`${at}: ${what} ${JSON.stringify(s.labelSelectors)} selects no pod of the chart`);
    return found;
  };
  for (const { kind, spec } of faultSpecs(e)) {
    const targets = selected(spec.selector as Selector | undefined, 'selector');
    selected((spec.target as { selector?: Selector } | undefined)?.selector, 'target selector');
    const names = spec.containerNames as string[] | undefined;
    for (const n of names ?? [])
      for (const w of targets)
        if (!allContainers(w.spec).some((c) => c.name === n))
          problems.push(`${at}: container ${n} is not a container of ${w.ref}`);
    if (kind === 'HTTPChaos') {
      const port = spec.port;
      for (const w of targets)
        if (!allContainers(w.spec).some((c) => (c.ports ?? []).some((p) => p.containerPort === port)))
          problems.push(`${at}: port ${String(port)} is not a container port of ${w.ref}`);
    }
  }
  return problems;
}
