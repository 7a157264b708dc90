// Dashboards: the committed JSON validates against the schema derived from Grafana's dashboard types, every panel
// queries through the datasource variable, and every query parses as PromQL.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dashboards } from '../../deploy/observability/src/dashboards/index.ts';
import { formatFinding } from '../findings.ts';
import { loadDashboards, modelProblems, panelQueries, schemaValidator, substituteVariables } from './lib/dashboards.ts';
import { DASHBOARDS_DIR } from './lib/paths.ts';
import { unparsable } from './lib/promql.ts';

const committed = loadDashboards(DASHBOARDS_DIR);

test('when the dashboards are listed, then overview, dependencies, data, platform, business and SLO are all there', () => {
  assert.deepEqual(committed.map((d) => d.json.uid).sort(), [
    'shipshape-business',
    'shipshape-data',
    'shipshape-dependencies',
    'shipshape-overview',
    'shipshape-platform',
    'shipshape-slo',
  ]);
  assert.deepEqual(
    committed.map((d) => d.name).sort(),
    dashboards()
      .map((d) => d.file)
      .sort(),
  );
});

test('when each dashboard is validated against the Grafana dashboard schema, then there are no errors', () => {
  const validate = schemaValidator();
  for (const d of committed) assert.deepEqual(validate(d.json), [], d.name);
});

test('when each dashboard model is checked, then panels and variables query the datasource variable with unique ids', () => {
  for (const d of committed) assert.deepEqual(modelProblems(d.name, d.json).map(formatFinding), []);
});

test('when every panel query has its template variables filled in, then promtool parses all of them', async () => {
  const queries = committed.flatMap((d) => panelQueries(d.name, d.json));
  assert.ok(queries.length >= 60, `expected the full panel set, got ${queries.length} queries`);
  const problems = await unparsable(
    queries.map((q) => ({ name: `${q.dashboard} / ${q.panel} / ${q.refId}`, expr: substituteVariables(q.expr) })),
  );
  assert.deepEqual(problems.map(formatFinding), []);
});
