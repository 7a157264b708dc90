// deploy/chaos: every Chaos Mesh experiment is valid against the schema subset it uses, and points at the chart's
// real pods, containers and ports, a real game-day scenario and real alerts; and the checks bite on broken copies.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { parse } from 'yaml';
import { SCENARIOS } from '../gameday/scenarios.ts';
import {
  chaosReferenceProblems,
  chaosSchemaErrors,
  loadChaosExperiments,
  type ChaosContext,
  type ChaosExperiment,
} from './chaos.ts';
import { render, VALUE_SETS } from './render.ts';
import { repoRoot } from './setup-helm.ts';

let ctx: ChaosContext;

before(() => {
  // The release as a game day on a cluster would run it, with and without the in-release PostgreSQL and Redis.
  const sets = VALUE_SETS.filter((v) => v.name === 'prod' || v.name === 'dev');
  const alerts = new Set<string>();
  for (const f of ['shipshape-alerts.yaml', 'shipshape-slo.yaml']) {
    const doc = parse(readFileSync(join(repoRoot, 'deploy/observability/rules', f), 'utf8')) as {
      groups: { rules: { alert?: string }[] }[];
    };
    for (const g of doc.groups) for (const r of g.rules) if (r.alert) alerts.add(r.alert);
  }
  ctx = { objects: sets.flatMap((v) => render(v)), scenarios: SCENARIOS.map((s) => s.name), alerts };
});

const copy = (e: ChaosExperiment): ChaosExperiment => structuredClone(e);
const named = (file: string): ChaosExperiment => {
  const e = loadChaosExperiments().find((x) => x.file === file);
  assert.ok(e, file);
  return e;
};

describe('the Chaos Mesh experiments', () => {
  test('when every experiment in deploy/chaos is checked, then each is valid and points at real pods, scenarios and alerts', () => {
    const experiments = loadChaosExperiments();
    assert.ok(experiments.length >= 6, `${experiments.length} experiments`);
    const problems = experiments.flatMap((e) => [...chaosSchemaErrors(e), ...chaosReferenceProblems(e, ctx)]);
    assert.deepEqual(problems, []);
  });

  test('when a field is misspelt, then the schema refuses it', () => {
    const e = copy(named('slow-dependency.yaml'));
    (e.doc.spec.delay as Record<string, unknown>).latencyy = '1s';
    assert.match(chaosSchemaErrors(e).join('\n'), /must NOT have additional properties.*latencyy/);
  });

  test('when a selector names a label no chart pod has, then the cross-check names it', () => {
    const e = copy(named('service-killed.yaml'));
    (e.doc.spec.selector as { labelSelectors: Record<string, string> }).labelSelectors['app.kubernetes.io/name'] =
      'shipshape-product';
    assert.match(chaosReferenceProblems(e, ctx).join('\n'), /selects no pod of the chart/);
  });

  test("when a container or port is not the chart's, or an alert or scenario does not exist, then each is named", () => {
    const loop = copy(named('service-crash-looping.yaml'));
    (loop.doc.spec.podChaos as { containerNames: string[] }).containerNames = ['order'];
    assert.match(chaosReferenceProblems(loop, ctx).join('\n'), /container order is not a container/);
    const http = copy(named('bad-release.yaml'));
    http.doc.spec.port = 8080;
    assert.match(chaosReferenceProblems(http, ctx).join('\n'), /port 8080 is not a container port/);
    const alert = copy(named('redis-stopped.yaml'));
    alert.doc.metadata.annotations['shipshape.io/expected-alerts'] = 'ShipshapeCacheDown';
    alert.doc.metadata.annotations['shipshape.io/scenario'] = 'redis-gone';
    const problems = chaosReferenceProblems(alert, ctx).join('\n');
    assert.match(problems, /ShipshapeCacheDown is not in the rules/);
    assert.match(problems, /redis-gone is not a game-day scenario/);
  });
});
