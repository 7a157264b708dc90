// What an image will contain, worked out from its Dockerfile and the repository without a Docker engine: each COPY is
// replayed against the build context (minus .dockerignore), and `npm ci --workspace ...` is remembered so imports of
// packages can be judged. The cross-checks below use it to prove, statically, that the image can run what it must.
import dockerignoreModule from '@balena/dockerignore';
import { isBuiltin } from 'node:module';
import { posix } from 'node:path';
import ts from 'typescript';
import type { Finding } from './findings.ts';
import type { Repo } from './repo.ts';
import { findStage, finalStage, lastStep, type DockerfileModel, type Stage, type Step } from './dockerfile.ts';
import type { EnvContract } from './config-schemas.ts';

/** The commands every service image must also run (compose's migrate job, `helm test`, the Kubernetes jobs). */
export const IMAGE_TOOLS = ['tools/db/migrate.ts', 'tools/db/seed.ts', 'tools/acceptance/main.ts'];

export interface ImageContents {
  /** Path in the image → path in the repository it came from. */
  files: Map<string, string>;
  /** Workspaces `npm ci --workspace` installed, as repository folders, with where their node_modules root is. */
  npm: { root: string; workspaces: string[] } | undefined;
  workdir: string;
}

export type IgnoreMatcher = (repoPath: string) => boolean;

// A CommonJS module (module.exports = factory) whose typings claim `export default`: Node hands the factory over as
// the default import, TypeScript expects it one level down. Accept either.
type IgnoreFactory = typeof dockerignoreModule.default;
const createIgnore: IgnoreFactory =
  (dockerignoreModule as unknown as { default?: IgnoreFactory }).default ??
  (dockerignoreModule as unknown as IgnoreFactory);

export function dockerignoreMatcher(repo: Repo): IgnoreMatcher {
  if (!repo.exists('.dockerignore')) return () => false;
  const ig = createIgnore().add(repo.read('.dockerignore'));
  return (p) => ig.ignores(p);
}

const cleanSource = (src: string) =>
  posix
    .normalize(src)
    .replace(/^(\.\/|\/)+/, '')
    .replace(/\/+$/, '') || '.';
const isGlob = (s: string) => /[*?[]/.test(s);

function npmWorkspaces(step: Step): string[] | undefined {
  const cmd = (step.json ? step.json.join(' ') : step.args).split(/&&|;|\|\|/).map((c) => c.trim().split(/\s+/));
  const npm = cmd.find((c) => c[0] === 'npm' && (c[1] === 'ci' || c[1] === 'install'));
  if (!npm) return undefined;
  const ws: string[] = [];
  npm.forEach((w, i) => {
    if ((w === '--workspace' || w === '-w') && npm[i + 1]) ws.push(cleanSource(npm[i + 1] ?? ''));
    else if (w.startsWith('--workspace=')) ws.push(cleanSource(w.slice('--workspace='.length)));
  });
  return ws;
}

export interface Simulation {
  contents: ImageContents;
  findings: Finding[];
}

/** Replays a stage's WORKDIR, COPY and `npm ci` steps. Findings: COPY sources that are missing or ignored. */
export function simulateStage(
  m: DockerfileModel,
  stage: Stage,
  repo: Repo,
  ignored: IgnoreMatcher,
  memo = new Map<number, Simulation>(),
): Simulation {
  const cached = memo.get(stage.index);
  if (cached) return cached;
  const parent = findStage(m, stage.image, stage.index);
  const base = parent ? simulateStage(m, parent, repo, ignored, memo).contents : undefined;
  const contents: ImageContents = {
    files: new Map(base?.files ?? []),
    npm: base?.npm ? { ...base.npm } : undefined,
    workdir: base?.workdir ?? '/',
  };
  const findings: Finding[] = [];
  const at = (step: Step, rule: string, message: string) =>
    findings.push({ rule, file: m.file, line: step.line, message });

  for (const step of stage.steps) {
    if (step.keyword === 'WORKDIR') {
      contents.workdir = posix.resolve(contents.workdir, step.args);
      continue;
    }
    if (step.keyword === 'RUN') {
      const ws = npmWorkspaces(step);
      if (ws) contents.npm = { root: contents.workdir, workspaces: ws };
      continue;
    }
    if (step.keyword !== 'COPY' && step.keyword !== 'ADD') continue;
    const args = step.json ?? step.words;
    if (args.length < 2 || step.args.includes('<<')) continue;
    const sources = args.slice(0, -1);
    const destArg = args.at(-1) ?? '';
    const dest = posix.resolve(contents.workdir, destArg);
    const intoDir = destArg.endsWith('/') || sources.length > 1;
    const from = step.flags.get('from');

    if (from !== undefined) {
      const source = findStage(m, from ?? '', stage.index);
      if (!source) continue; // an external image: nothing to replay
      const sim = simulateStage(m, source, repo, ignored, memo).contents;
      for (const src of sources) {
        const abs = posix.resolve(sim.workdir, src).replace(/\/+$/, '') || '/';
        const prefix = abs === '/' ? '/' : `${abs}/`;
        for (const [path, origin] of sim.files) {
          if (path === abs) contents.files.set(intoDir ? posix.join(dest, posix.basename(path)) : dest, origin);
          else if (path.startsWith(prefix)) contents.files.set(posix.join(dest, path.slice(prefix.length)), origin);
        }
        if (sim.npm && (sim.npm.root === abs || sim.npm.root.startsWith(prefix))) {
          contents.npm = { root: posix.join(dest, sim.npm.root.slice(prefix.length)), workspaces: sim.npm.workspaces };
        }
      }
      continue;
    }

    for (const raw of sources) {
      if (/^(https?|git):\/\/|^git@/.test(raw)) continue;
      const src = cleanSource(raw);
      let matched: string[];
      if (isGlob(src)) {
        matched = [...repo.files].filter((f) => posix.matchesGlob(f, src));
      } else if (repo.isDir(src)) {
        const under = repo.filesUnder(src);
        const kept = under.filter((f) => !ignored(f));
        if (under.length > 0 && kept.length === 0)
          at(
            step,
            'copy-source-ignored',
            `COPY ${raw}: everything in it is excluded by .dockerignore, so the build copies nothing.`,
          );
        for (const f of kept) contents.files.set(posix.join(dest, src === '.' ? f : f.slice(src.length + 1)), f);
        continue;
      } else {
        matched = repo.files.has(src) ? [src] : [];
      }
      if (matched.length === 0) {
        at(
          step,
          'copy-source-missing',
          `COPY ${raw}: no such file or folder in the build context (the repository root); the build fails here.`,
        );
        continue;
      }
      for (const f of matched) {
        if (ignored(f)) {
          at(step, 'copy-source-ignored', `COPY ${raw}: ${f} is excluded by .dockerignore, so the build fails here.`);
          continue;
        }
        contents.files.set(intoDir || isGlob(src) ? posix.join(dest, posix.basename(f)) : dest, f);
      }
    }
  }
  const result = { contents, findings };
  memo.set(stage.index, result);
  return result;
}

export function simulateImage(m: DockerfileModel, repo: Repo, ignored = dockerignoreMatcher(repo)): Simulation {
  const last = finalStage(m);
  if (!last) return { contents: { files: new Map(), npm: undefined, workdir: '/' }, findings: [] };
  const memo = new Map<number, Simulation>();
  const final = simulateStage(m, last, repo, ignored, memo);
  // Findings of every stage, once each.
  const findings = m.stages.flatMap((s) => simulateStage(m, s, repo, ignored, memo).findings);
  return { contents: final.contents, findings };
}

// --- workspaces ----------------------------------------------------------------------------------------------------

interface Manifest {
  name?: string;
  workspaces?: string[];
  dependencies?: Record<string, string>;
  exports?: Record<string, unknown> | string;
  main?: string;
}

const readManifest = (repo: Repo, dir: string): Manifest =>
  JSON.parse(repo.read(dir === '.' ? 'package.json' : `${dir}/package.json`)) as Manifest;

/** Workspace folders from the root package.json globs, e.g. libs/platform, services/users. */
export function workspaceDirs(repo: Repo): string[] {
  const globs = readManifest(repo, '.').workspaces ?? [];
  return [...repo.files]
    .filter((f) => f.endsWith('/package.json'))
    .map((f) => posix.dirname(f))
    .filter((d) => globs.some((g) => posix.matchesGlob(d, g)))
    .sort();
}

function exportTarget(manifest: Manifest, subpath: string): string | undefined {
  const key = subpath ? `./${subpath}` : '.';
  const pick = (v: unknown): string | undefined => {
    if (typeof v === 'string') return v;
    if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      return pick(o.import ?? o.node ?? o.default);
    }
    return undefined;
  };
  if (manifest.exports === undefined) return subpath ? subpath : (manifest.main ?? 'index.js');
  if (typeof manifest.exports === 'string') return key === '.' ? manifest.exports : undefined;
  return pick(manifest.exports[key]);
}

// --- imports -------------------------------------------------------------------------------------------------------

/** Module specifiers a file loads at run time: `import type` and `export type` are erased by Node and skipped. */
export function runtimeImports(fileName: string, text: string): string[] {
  const sf = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const specs: string[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      if (!node.importClause?.isTypeOnly) specs.push(node.moduleSpecifier.text);
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      if (!node.isTypeOnly) specs.push(node.moduleSpecifier.text);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const arg = node.arguments[0];
      if (arg && ts.isStringLiteralLike(arg)) specs.push(arg.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return specs;
}

const packageName = (spec: string) =>
  spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : (spec.split('/')[0] ?? spec);

/**
 * Follows every run-time import from the entry points through the image: each file must be in it, and each package
 * must be installed there (a dependency of a workspace `npm ci` installed, or such a workspace itself).
 */
export function checkImageImports(
  m: DockerfileModel,
  contents: ImageContents,
  repo: Repo,
  entries: { path: string; why: string }[],
): Finding[] {
  const findings: Finding[] = [];
  const line = finalStage(m)?.line;
  const report = (message: string) => findings.push({ rule: 'image-imports', file: m.file, line, message });

  const workspaces = new Map(workspaceDirs(repo).map((d) => [readManifest(repo, d).name ?? d, d]));
  const installed = contents.npm?.workspaces ?? [];
  const declared = new Set(
    installed
      .filter((w) => repo.exists(`${w}/package.json`))
      .flatMap((w) => Object.keys(readManifest(repo, w).dependencies ?? {})),
  );

  const seen = new Set<string>();
  const queue = entries.map((e) => ({ imagePath: posix.resolve(contents.workdir, e.path), via: e.why }));
  while (queue.length > 0) {
    const { imagePath, via } = queue.shift() ?? { imagePath: '', via: '' };
    if (seen.has(imagePath)) continue;
    seen.add(imagePath);
    const origin = contents.files.get(imagePath);
    if (origin === undefined) {
      report(`${via} needs ${imagePath}, which the image does not contain: COPY it (or the folder holding it).`);
      continue;
    }
    if (!/\.(ts|mts|js|mjs)$/.test(origin)) continue;
    for (const spec of runtimeImports(origin, repo.read(origin))) {
      if (spec.startsWith('.') || spec.startsWith('/')) {
        queue.push({ imagePath: posix.resolve(posix.dirname(imagePath), spec), via: `${origin} (import '${spec}')` });
        continue;
      }
      if (spec.startsWith('node:') || isBuiltin(spec)) continue;
      const name = packageName(spec);
      const wsDir = workspaces.get(name);
      if (!contents.npm) {
        report(`${origin} imports '${spec}', but no npm ci result reaches the image's node_modules.`);
      } else if (wsDir !== undefined) {
        if (!installed.includes(wsDir)) {
          report(
            `${origin} imports '${spec}', but npm ci installs only ${installed.join(', ')}: add --workspace ${wsDir}.`,
          );
          continue;
        }
        const target = exportTarget(readManifest(repo, wsDir), spec.slice(name.length + 1));
        if (target === undefined) report(`${origin} imports '${spec}', which ${name}'s package.json does not export.`);
        else
          queue.push({ imagePath: posix.join(contents.npm.root, wsDir, target), via: `${origin} (import '${spec}')` });
      } else if (!declared.has(name)) {
        report(
          `${origin} imports '${spec}', which none of the installed workspaces (${installed.join(', ')}) lists in dependencies, so npm ci --omit=dev may not install it.`,
        );
      }
    }
  }
  return findings;
}

// --- per-service cross-checks --------------------------------------------------------------------------------------

/** Checks a service's Dockerfile against the repository and its config schema. */
export function crossCheckServiceImage(
  m: DockerfileModel,
  service: string,
  contract: EnvContract,
  repo: Repo,
): Finding[] {
  const { contents, findings } = simulateImage(m, repo);
  const last = finalStage(m);
  if (!last) return findings;
  const out: Finding[] = [...findings];
  const add = (rule: string, at: { line: number } | undefined, message: string) =>
    out.push({ rule, file: m.file, line: at?.line, message });
  const port = contract.defaultPort;

  const expose = last.steps.filter((s) => s.keyword === 'EXPOSE');
  const exposed = expose.flatMap((s) => s.words.map((w) => Number(w.split('/')[0])));
  if (port !== undefined && !exposed.includes(port)) {
    add(
      'expose-port',
      expose[0] ?? last,
      `EXPOSE ${exposed.join(' ') || '(none)'} does not match the default PORT ${port} of ${contract.reader} (services/${service}/src/config.ts).`,
    );
  }

  const hc = lastStep(last, 'HEALTHCHECK');
  if (hc && port !== undefined) {
    const ports = [...hc.args.matchAll(/(?:\|\||:)\s*(\d{2,5})\b/g)].map((x) => Number(x[1]));
    if (!ports.includes(port) || ports.some((p) => p !== port)) {
      add(
        'healthcheck-port',
        hc,
        `HEALTHCHECK probes port ${ports.join(', ') || '(none found)'}, but ${contract.reader} listens on ${port} by default.`,
      );
    }
    if (!/\/health\b/.test(hc.args)) add('healthcheck-port', hc, 'HEALTHCHECK does not probe /health.');
  }

  // npm ci compares the lockfile with every workspace manifest: each must be in the stage that runs it.
  const npmStage = m.stages.find((s) => s.steps.some((st) => st.keyword === 'RUN' && npmWorkspaces(st)));
  if (npmStage) {
    const sim = simulateStage(m, npmStage, repo, dockerignoreMatcher(repo)).contents;
    const root = sim.npm?.root ?? sim.workdir;
    const needed = ['package.json', 'package-lock.json', ...workspaceDirs(repo).map((d) => `${d}/package.json`)];
    const missing = needed.filter((p) => !sim.files.has(posix.join(root, p)));
    if (missing.length > 0)
      add(
        'workspace-manifests',
        npmStage,
        `npm ci runs without ${missing.join(', ')}: COPY every workspace manifest before it, or the lockfile check fails.`,
      );
    const ws = sim.npm?.workspaces ?? [];
    if (!ws.includes(`services/${service}`))
      add(
        'workspace-manifests',
        npmStage,
        `npm ci does not select --workspace services/${service}, so the service's own dependencies are missing.`,
      );
  } else {
    add('workspace-manifests', last, 'no stage runs npm ci: the image has no node_modules.');
  }

  const cmd = lastStep(last, 'CMD');
  const script = cmd?.json?.[0] === 'node' ? cmd.json[1] : undefined;
  if (script !== `services/${service}/src/server.ts`) {
    add(
      'image-entry',
      cmd ?? last,
      `CMD should be ["node", "services/${service}/src/server.ts"] (no build step: Node runs the sources).`,
    );
  }
  const entries = [
    ...(script ? [{ path: script, why: 'CMD' }] : []),
    ...IMAGE_TOOLS.map((t) => ({ path: t, why: `node ${t}` })),
  ];
  out.push(...checkImageImports(m, contents, repo, entries));
  return out;
}
