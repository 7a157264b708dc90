// Kubernetes-only panels and alerts, against fixture series: the OpenMetrics fixture becomes TSDB blocks with
// `promtool tsdb create-blocks-from openmetrics`, a real Prometheus serves them, and every platform panel query and
// the pod alert expressions are evaluated at the fixture's last sample.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { SERVICES } from '../../deploy/observability/src/conventions.ts';
import { dashboards } from '../../deploy/observability/src/dashboards/index.ts';
import { requireBinary, run } from './lib/binaries.ts';
import { panelQueries, substituteVariables, type DashboardJson } from './lib/dashboards.ts';
import { CRASHING_POD, kubeFixture } from './lib/kube-fixtures.ts';
import { RULES_DIR } from './lib/paths.ts';
import { emptyQueries, startPrometheus, type Prometheus } from './lib/prometheus.ts';
import { alertsOf, loadRuleFiles } from './lib/rules.ts';

const dir = mkdtempSync(join(tmpdir(), 'shipshape-kube-fixture-'));
const steps = 240; // an hour at 15 s
const start = Math.floor(Date.now() / 1000) - steps * 15 - 120;
const end = start + (steps - 1) * 15;
let prom: Prometheus | undefined;

const platformQueries = () =>
  dashboards()
    .filter((d) => d.kubernetesOnly)
    .flatMap((d) => panelQueries(d.file, d.dashboard as DashboardJson))
    .map((q) => ({ name: `${q.dashboard} / ${q.panel} / ${q.refId}`, expr: substituteVariables(q.expr) }));

before(async () => {
  const fixture = join(dir, 'fixture.om');
  writeFileSync(fixture, kubeFixture(start, steps));
  const data = join(dir, 'data');
  const r = await run(requireBinary('promtool'), ['tsdb', 'create-blocks-from', 'openmetrics', fixture, data]);
  assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
  prom = await startPrometheus({ storagePath: data });
});

after(async () => {
  await prom?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const p = (): Prometheus => {
  if (!prom) throw new Error('prometheus did not start');
  return prom;
};

test('when the fixture series are loaded, then every Kubernetes panel query returns data', async () => {
  const queries = platformQueries();
  assert.ok(queries.length >= 12, `expected the platform panels, got ${queries.length}`);
  assert.deepEqual(await emptyQueries(p(), queries, end), []);
});

test('when the platform panels group by container, then they show only the four services', async () => {
  for (const q of platformQueries().filter((q) => q.expr.includes('by (container)'))) {
    const containers = new Set((await p().query(q.expr, end)).map((s) => s.metric.container));
    assert.deepEqual([...containers].sort(), [...SERVICES].sort(), q.name);
  }
});

test('when an orders pod crash-loops and restarts in the fixture, then the pod alert expressions select exactly it', async () => {
  const alerts = alertsOf(loadRuleFiles(RULES_DIR));
  for (const name of ['ShipshapePodCrashLooping', 'ShipshapePodRestarting']) {
    const rule = alerts.find((a) => a.alert === name);
    assert.ok(rule, name);
    const result = await p().query(rule.expr, end);
    assert.deepEqual(
      result.map((s) => `${s.metric.namespace}/${s.metric.pod}/${s.metric.container}`),
      [`shipshape/${CRASHING_POD}/orders`],
      name,
    );
  }
});
