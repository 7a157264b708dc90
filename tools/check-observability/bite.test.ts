// The checks bite: each one is shown failing on a deliberately broken input. (A dashboard query for a metric nobody
// exports is shown failing against the live Prometheus in live.test.ts.)
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { parse, stringify } from 'yaml';
import type { RuleFile } from '../../deploy/observability/src/rule-types.ts';
import { formatFinding } from '../findings.ts';
import { requireBinary, run } from './lib/binaries.ts';
import {
  loadDashboards,
  modelProblems,
  schemaValidator,
  substituteVariables,
  type DashboardJson,
} from './lib/dashboards.ts';
import { DASHBOARDS_DIR, OBS, RULES_DIR, RUNBOOKS_DIR, TESTS_DIR } from './lib/paths.ts';
import { unparsable } from './lib/promql.ts';
import { alertProblems, coverageProblems, loadRuleFiles, promtoolTestFiles } from './lib/rules.ts';

const work = mkdtempSync(join(tmpdir(), 'shipshape-bite-'));
after(() => rmSync(work, { recursive: true, force: true }));

/** A copy of the rules folder with one extra alert. */
function rulesWith(extra: Record<string, unknown>): string {
  const dir = mkdtempSync(join(work, 'rules-'));
  cpSync(RULES_DIR, dir, { recursive: true });
  writeFileSync(join(dir, 'extra.yaml'), stringify({ groups: [{ name: 'extra', rules: [extra] }] }));
  return dir;
}

const annotated = (alert: string) => ({
  alert,
  expr: 'up == 0',
  for: '1m',
  labels: { severity: 'warning' },
  annotations: {
    summary: 'Something is wrong somewhere',
    description: 'A description that is long enough to read.',
    runbook_url: `https://github.com/shipshape/shipshape/blob/main/docs/runbooks/${alert}.md`,
  },
});

test('when an alert has no runbook_url and no runbook file, then the runbook check reports both', () => {
  const a = annotated('ShipshapeWithoutRunbook');
  const { runbook_url: _dropped, ...annotations } = a.annotations;
  const problems = alertProblems(loadRuleFiles(rulesWith({ ...a, annotations })), RUNBOOKS_DIR).map(formatFinding);
  assert.deepEqual(problems, [
    'ShipshapeWithoutRunbook: [alerts/annotation] annotations.runbook_url must be https://github.com/shipshape/shipshape/blob/main/docs/runbooks/ShipshapeWithoutRunbook.md, got undefined',
    'ShipshapeWithoutRunbook: [runbook] runbook docs/runbooks/ShipshapeWithoutRunbook.md does not exist',
  ]);
});

test('when an alert lacks a severity and a summary, then the metadata check reports them', () => {
  const a = annotated('ShipshapeHighErrorRatio');
  const problems = alertProblems(
    loadRuleFiles(rulesWith({ ...a, labels: {}, annotations: { ...a.annotations, summary: '' } })),
    RUNBOOKS_DIR,
  ).map(formatFinding);
  assert.deepEqual(problems, [
    'ShipshapeHighErrorRatio: [rule/label] labels.severity must be critical or warning, got undefined',
    'ShipshapeHighErrorRatio: [alerts/annotation] annotations.summary is missing or too short',
  ]);
});

test('when a runbook lacks its Mitigate section and never mentions logs, then the runbook check reports it', () => {
  const dir = mkdtempSync(join(work, 'runbooks-'));
  cpSync(RUNBOOKS_DIR, dir, { recursive: true });
  const path = join(dir, 'ShipshapeCacheDegraded.md');
  const md = readFileSync(path, 'utf8');
  writeFileSync(path, md.replace('## Mitigate', '## Ideas').replace(/\blogs?\b/gi, 'output'));
  const problems = alertProblems(loadRuleFiles(RULES_DIR), dir).map(formatFinding);
  assert.deepEqual(problems, [
    'ShipshapeCacheDegraded: [runbook] runbook section "## Mitigate" is missing or empty',
    'ShipshapeCacheDegraded: [runbook] runbook "## Check first" does not mention logs',
  ]);
});

test('when an alert has no promtool test, then the coverage check reports it has neither case', () => {
  const problems = coverageProblems(
    loadRuleFiles(rulesWith(annotated('ShipshapeUntested'))),
    promtoolTestFiles(TESTS_DIR),
  ).map(formatFinding);
  assert.deepEqual(problems, [
    'ShipshapeUntested (warning): [promtool-test-coverage] no promtool test shows it firing',
    'ShipshapeUntested: [promtool-test-coverage] no promtool test shows it staying quiet',
  ]);
});

test('when an alert threshold is changed, then the promtool unit tests fail', async () => {
  const root = mkdtempSync(join(work, 'obs-'));
  cpSync(join(OBS, 'rules'), join(root, 'rules'), { recursive: true });
  cpSync(join(OBS, 'tests'), join(root, 'tests'), { recursive: true });
  const file = join(root, 'rules', 'shipshape-alerts.yaml');
  const doc = parse(readFileSync(file, 'utf8')) as RuleFile;
  for (const g of doc.groups)
    for (const r of g.rules)
      if ('alert' in r && r.alert === 'ShipshapeHighErrorRatio') r.expr = r.expr.replace('> 0.05', '> 0.5');
  writeFileSync(file, stringify(doc, { lineWidth: 0 }));
  const r = await run(requireBinary('promtool'), ['test', 'rules', join(root, 'tests', 'alerts.test.yaml')]);
  assert.notEqual(r.code, 0);
  assert.match(r.stdout + r.stderr, /FAILED[\s\S]*ShipshapeHighErrorRatio/);
});

const overview = (): DashboardJson => {
  const d = loadDashboards(DASHBOARDS_DIR).find((x) => x.name === 'service-overview.json');
  assert.ok(d);
  return structuredClone(d.json);
};

test('when a panel names a datasource uid instead of the variable, then the model check reports it', () => {
  const d = overview();
  const panel = d.panels?.find((p) => p.type === 'timeseries');
  assert.ok(panel?.datasource && panel.targets?.[0]?.datasource);
  panel.datasource.uid = 'P1809F7CD0C75ACF3';
  panel.targets[0].datasource.uid = 'P1809F7CD0C75ACF3';
  const problems = modelProblems('overview', d).map(formatFinding);
  assert.equal(problems.length, 2);
  assert.match(problems[0] ?? '', /panel datasource must be \$\{datasource\}/);
});

test('when a panel carries an option its type does not have, or a query is not a string, then schema validation fails', () => {
  const validate = schemaValidator();
  const d = JSON.parse(JSON.stringify(overview())) as {
    panels: { type?: string; options?: Record<string, unknown>; targets?: Record<string, unknown>[] }[];
  };
  const ts = d.panels.find((p) => p.type === 'timeseries');
  const target = ts?.targets?.[0];
  assert.ok(ts && target);
  ts.options = { ...ts.options, sparkles: true };
  target.expr = 42;
  const errors = validate(d);
  assert.ok(
    errors.some((e) => e.includes('sparkles')),
    errors.join('\n'),
  );
  assert.ok(
    errors.some((e) => e.includes('/targets/0/expr') && e.includes('string')),
    errors.join('\n'),
  );
});

test('when a panel query is not valid PromQL, then the parse check names it', async () => {
  const problems = (
    await unparsable([
      { name: 'good', expr: 'sum(rate(http_server_request_duration_seconds_count[5m]))' },
      { name: 'bad', expr: 'sum(rate(http_server_request_duration_seconds_count[5m])' },
    ])
  ).map(formatFinding);
  assert.equal(problems.length, 1);
  assert.match(problems[0] ?? '', /^bad: /);
});

test('when a query uses a template variable no dashboard defines, then substitution refuses it', () => {
  assert.throws(() => substituteVariables('up{cluster="$cluster"}'), /unknown template variable \$cluster/);
  assert.equal(substituteVariables('rate(x{service=~"$service"}[$__rate_interval])'), 'rate(x{service=~".+"}[1m])');
});

test('when promtool is not on PATH, then the checks fail saying which Debian packages to install', () => {
  const saved = process.env.PATH;
  process.env.PATH = work;
  try {
    assert.throws(
      () => requireBinary('promtool'),
      /promtool not found on PATH: install with apt-get install prometheus prometheus-alertmanager/,
    );
  } finally {
    process.env.PATH = saved;
  }
});
