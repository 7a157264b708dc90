// helm lint --strict, then the upstream tools the chart checks stand in for, over the same value sets (run by
// .github/workflows/ci.yml, where a hosted runner installs them; not part of npm test, which cannot fetch their
// schemas):
//   kubeconform -strict, against Kubernetes 1.31 and the CRD schemas the chart uses (Prometheus Operator, External
//   Secrets, Gateway API) from the datree CRDs-catalog;
//   kube-score, with the same Kubernetes version.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lint, template, VALUE_SETS } from './render.ts';

const CRD_SCHEMAS =
  'https://raw.githubusercontent.com/datreeio/CRDs-catalog/main/{{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}.json';

const dir = mkdtempSync(join(tmpdir(), 'shipshape-upstream-'));
let failed = 0;
try {
  for (const values of VALUE_SETS) {
    const linted = lint(values);
    if (linted.status !== 0 || /\[(WARNING|ERROR)\]/.test(linted.stdout)) {
      console.log(`✗ helm lint --strict failed on the ${values.name} values:\n${linted.stdout}${linted.stderr}`);
      failed += 1;
    }
    const rendered = template(values);
    if (rendered.status !== 0) throw new Error(`helm template (${values.name}) failed: ${rendered.stderr}`);
    const file = join(dir, `${values.name}.yaml`);
    writeFileSync(file, rendered.stdout);
    for (const [tool, args] of [
      [
        'kubeconform',
        [
          '-strict',
          '-summary',
          '-kubernetes-version',
          '1.31.0',
          '-schema-location',
          'default',
          '-schema-location',
          CRD_SCHEMAS,
          file,
        ],
      ],
      ['kube-score', ['score', '--kubernetes-version', 'v1.31', '--output-format', 'ci', file]],
    ] as const) {
      console.log(`::group::${tool} (${values.name})`);
      const run = spawnSync(tool, args, { stdio: 'inherit' });
      console.log('::endgroup::');
      if (run.error) throw new Error(`${tool}: ${run.error.message} (install it: see .github/workflows/ci.yml)`);
      if (run.status !== 0) {
        console.log(`✗ ${tool} failed on the ${values.name} values`);
        failed += 1;
      }
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
process.exitCode = failed ? 1 : 0;
