// `node tools/check-containers/replay-image.ts <service> <folder>`: lays out what the service's image will contain
// under <folder>/app (the COPY steps replayed against the repository, minus .dockerignore) and runs the image's
// `npm ci --omit=dev --workspace ...` there. No Docker needed: a way to run and inspect an image's exact file set.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { isServiceName } from './lib/config-schemas.ts';
import { parseDockerfile } from './lib/dockerfile.ts';
import { formatFindings } from './lib/findings.ts';
import { simulateImage } from './lib/image.ts';
import { diskRepo, repoRoot } from './lib/repo.ts';

const [service, target] = process.argv.slice(2);
if (!service || !isServiceName(service) || !target) {
  console.error('usage: node tools/check-containers/replay-image.ts <gateway|users|products|orders> <empty folder>');
  process.exit(2);
}
const out = resolve(target);
if (existsSync(join(out, 'app'))) {
  console.error(`${join(out, 'app')} exists: give an empty folder`);
  process.exit(2);
}
const repo = diskRepo();
const file = `services/${service}/Dockerfile`;
const { contents, findings } = simulateImage(parseDockerfile(file, repo.read(file)), repo);
if (findings.length > 0) {
  console.error(formatFindings(findings));
  process.exit(1);
}
for (const [imagePath, source] of contents.files) {
  const to = join(out, imagePath);
  mkdirSync(dirname(to), { recursive: true });
  copyFileSync(join(repoRoot, source), to);
}
if (contents.npm) {
  const args = [
    'ci',
    '--omit=dev',
    '--ignore-scripts',
    '--no-audit',
    '--no-fund',
    ...contents.npm.workspaces.flatMap((w) => ['--workspace', w]),
  ];
  execFileSync('npm', args, { cwd: join(out, contents.npm.root), stdio: 'inherit' });
}
console.log(
  `${contents.files.size} files under ${join(out, contents.workdir)}; run its commands from there, e.g. node services/${service}/src/server.ts`,
);
