// The game-day experiment templates (infra/terraform/modules/fis) against what only this repository knows: each stops
// on a CloudWatch alarm of the module, runs as a role FIS may assume that grants what its actions need, targets the
// chart's real pod labels, and names a real game-day scenario.
import assert from 'node:assert/strict';

import { before, describe, test } from 'node:test';
import { render, VALUE_SETS } from '../check-chart/render.ts';
import { workloads } from '../check-chart/workloads.ts';
import { SCENARIOS } from '../gameday/scenarios.ts';
import { TERRAFORM_ROOT } from './check.ts';
import { blockList, isBody, loadTree, type Body, type TfModule } from './model.ts';

/** What each FIS action needs the experiment role to allow (AWS FIS actions reference). */
const ACTION_PERMISSIONS: Record<string, string[]> = {
  'aws:rds:failover-db-cluster': ['rds:FailoverDBCluster', 'rds:DescribeDBClusters'],
  'aws:eks:pod-delete': ['eks:DescribeCluster'],
  'aws:eks:pod-network-latency': ['eks:DescribeCluster'],
  'aws:ecs:stop-task': ['ecs:StopTask', 'ecs:DescribeTasks', 'ecs:ListTasks'],
};

let fis: TfModule;
let podLabels: Record<string, string>[];

before(async () => {
  const tree = await loadTree(TERRAFORM_ROOT);
  const found = tree.modules.get('modules/fis');
  assert.ok(found, 'modules/fis exists');
  fis = found;
  const prod = VALUE_SETS.find((v) => v.name === 'prod');
  assert.ok(prod);
  podLabels = workloads(render(prod))
    .filter((w) => w.owner.kind === 'Deployment')
    .map((w) => w.labels);
});

const templates = () => fis.resources.filter((r) => r.type === 'aws_fis_experiment_template');
const str = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));

/** Problems of the module; a function so the tests below can show it bites on broken copies. */
function fisProblems(m: TfModule): string[] {
  const problems: string[] = [];
  const alarms = new Set(m.resources.filter((r) => r.type === 'aws_cloudwatch_metric_alarm').map((r) => r.name));
  const roles = m.resources.filter((r) => r.type === 'aws_iam_role');
  const documents = m.resources.filter((r) => r.type === 'aws_iam_policy_document');
  const selectors = (m.locals.get('pod_selector')?.body.value ?? {}) as Body;
  const granted = new Set(
    documents
      .flatMap((d) => [
        ...blockList(d.body.statement),
        ...blockList((d.body.dynamic as Body | undefined)?.statement).flatMap((s) => blockList(s.content)),
      ])
      .flatMap((s) => (Array.isArray(s.actions) ? (s.actions as string[]) : [])),
  );
  for (const t of m.resources.filter((r) => r.type === 'aws_fis_experiment_template')) {
    const at = `aws_fis_experiment_template.${t.name}`;
    const stops = blockList(t.body.stop_condition);
    if (!stops.length) problems.push(`${at}: no stop_condition`);
    for (const s of stops) {
      const ref = /^\$\{aws_cloudwatch_metric_alarm\.(\w+)\.arn\}$/.exec(str(s.value));
      if (s.source !== 'aws:cloudwatch:alarm' || !ref || !alarms.has(ref[1] ?? ''))
        problems.push(`${at}: stop_condition must be a CloudWatch alarm of this module, got ${str(s.value)}`);
    }
    const role = /^\$\{aws_iam_role\.(\w+)\.arn\}$/.exec(str(t.body.role_arn))?.[1];
    const roleBlock = roles.find((r) => r.name === role);
    const assume = documents.find((d) => str(roleBlock?.body.assume_role_policy).includes(`.${d.name}.json`));
    if (!roleBlock || !assume || !str(assume.body).includes('fis.amazonaws.com'))
      problems.push(`${at}: role_arn must be a role of this module that fis.amazonaws.com may assume`);
    for (const a of blockList(t.body.action)) {
      const needs = ACTION_PERMISSIONS[str(a.action_id)];
      if (!needs) problems.push(`${at}: action ${str(a.action_id)} has no known permissions; add it to the table`);
      for (const p of needs ?? []) if (!granted.has(p)) problems.push(`${at}: the role does not grant ${p}`);
    }
    for (const target of blockList(t.body.target)) {
      const params = isBody(target.parameters) ? target.parameters : {};
      const key = /local\.pod_selector\["(\w+)"\]/.exec(str(params.selectorValue))?.[1];
      if (params.selectorType === undefined) continue;
      const value = key ? str(selectors[key]) : str(params.selectorValue);
      const [label, want] = value.split('=');
      if (!podLabels.some((l) => label !== undefined && l[label] === want))
        problems.push(`${at}: selectorValue ${value} selects no pod of the chart`);
    }
    const scenario = /"shipshape\/scenario" = \\?"([\w-]+)\\?"/.exec(str(t.body.tags))?.[1];
    if (!scenario || !SCENARIOS.some((s) => s.name === scenario))
      problems.push(`${at}: tag shipshape/scenario ${String(scenario)} is not a game-day scenario`);
  }
  return problems;
}

describe('the game-day experiment templates', () => {
  test('when modules/fis is checked, then every template stops on its alarm, has the permissions it needs and targets real pods and scenarios', () => {
    assert.ok(templates().length >= 4);
    assert.deepEqual(fisProblems(fis), []);
  });

  test('when a template loses its stop condition, its role a permission, or its selector the chart label, then each is named', () => {
    const broken = structuredClone(fis);
    const byName = (n: string) => {
      const t = broken.resources.find((r) => r.type === 'aws_fis_experiment_template' && r.name === n);
      assert.ok(t, n);
      return t;
    };
    byName('database_failover').body.stop_condition = [];
    const selectors = broken.locals.get('pod_selector');
    assert.ok(selectors);
    (selectors.body.value as Body).products = 'app.kubernetes.io/name=products';
    const policy = broken.resources.find((r) => r.type === 'aws_iam_policy_document' && r.name === 'fis');
    assert.ok(policy);
    const statements = blockList(policy.body.statement);
    statements[0] = { ...statements[0], actions: ['rds:DescribeDBClusters'] };
    policy.body.statement = statements;
    byName('task_stop').body.tags = '${merge(local.tags, { "shipshape/scenario" = "ecs-gone" })}';
    const problems = fisProblems(broken).join('\n');
    assert.match(problems, /database_failover: no stop_condition/);
    assert.match(problems, /database_failover: the role does not grant rds:FailoverDBCluster/);
    assert.match(problems, /pod_delete: selectorValue app.kubernetes.io\/name=products selects no pod/);
    assert.match(problems, /task_stop: tag shipshape\/scenario ecs-gone is not a game-day scenario/);
  });
});
