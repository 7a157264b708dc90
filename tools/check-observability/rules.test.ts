// Static proof for the Prometheus rules: promtool accepts them, the promtool unit tests pass and cover every alert,
// every alert carries severity, summary, description and a runbook that exists, and the committed files are what the
// generator produces.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { staleFiles } from '../../deploy/observability/generate.ts';
import { RULE_FILES } from '../../deploy/observability/src/render.ts';
import { formatFinding } from '../findings.ts';
import { requireBinary, run } from './lib/binaries.ts';
import { RULES_DIR, RUNBOOKS_DIR, TESTS_DIR } from './lib/paths.ts';
import { alertProblems, alertsOf, coverageProblems, loadRuleFiles, promtoolTestFiles, recordsOf } from './lib/rules.ts';

test('when the generator runs, then the committed rule files and dashboards are already up to date', () => {
  assert.deepEqual(staleFiles(), [], 'run: node deploy/observability/generate.ts');
});

test('when promtool checks the rule files, then every file is valid and rules exist', async () => {
  const promtool = requireBinary('promtool');
  const files = Object.values(RULE_FILES).map((f) => `${RULES_DIR}/${f.replace('rules/', '')}`);
  const r = await run(promtool, ['check', 'rules', ...files]);
  assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
  const loaded = loadRuleFiles(RULES_DIR);
  assert.ok(alertsOf(loaded).length >= 15, 'expected the full alert set');
  assert.ok(recordsOf(loaded).length >= 40, 'expected the RED and SLO recording rules');
});

test('when promtool runs the unit tests, then every test passes', async () => {
  const promtool = requireBinary('promtool');
  const testFiles = promtoolTestFiles(TESTS_DIR);
  assert.ok(testFiles.length >= 3);
  const r = await run(promtool, ['test', 'rules', ...testFiles], { cwd: TESTS_DIR });
  assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
  assert.doesNotMatch(r.stdout + r.stderr, /FAILED/);
});

test('when the unit tests are read, then every alert has a case that fires it at each severity and one that keeps it quiet', () => {
  assert.deepEqual(coverageProblems(loadRuleFiles(RULES_DIR), promtoolTestFiles(TESTS_DIR)).map(formatFinding), []);
});

test('when alerts are read, then each has severity, summary, description and a runbook saying what to check, mitigate and verify', () => {
  assert.deepEqual(alertProblems(loadRuleFiles(RULES_DIR), RUNBOOKS_DIR).map(formatFinding), []);
});

test('when the alert set is listed, then it covers 5xx, latency, targets, crash loops, database, cache, reservations and SLO burn', () => {
  const names = new Set(alertsOf(loadRuleFiles(RULES_DIR)).map((a) => a.alert));
  for (const required of [
    'ShipshapeHighErrorRatio',
    'ShipshapeOrderCreationLatencyHigh',
    'ShipshapeReadLatencyHigh',
    'ShipshapeTargetDown',
    'ShipshapePodCrashLooping',
    'ShipshapePodRestarting',
    'ShipshapeDatabaseConnectionErrors',
    'ShipshapeDatabaseAuthErrors',
    'ShipshapeCacheDegraded',
    'ShipshapeStockReservationFailureSpike',
    'ShipshapeOrderCreationAvailabilityBudgetBurn',
    'ShipshapeOrderCreationLatencyBudgetBurn',
    'ShipshapeCatalogReadAvailabilityBudgetBurn',
    'ShipshapeCatalogReadLatencyBudgetBurn',
  ]) {
    assert.ok(names.has(required), `missing alert ${required}`);
  }
});
