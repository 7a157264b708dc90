// `node tools/check-containers/main.ts`: every container check against the working tree, as one report.
// (`npm run check:containers` runs the tests, which also prove each rule catches a broken file, and builds and runs
// the images: tools/check-containers/images.test.ts.)
import { DOCKERFILE } from '../dev/services.ts';
import { checkCompose } from './lib/compose.ts';
import { lintDockerfile, parseDockerfile } from './lib/dockerfile.ts';
import { formatFindings, type Finding } from './lib/findings.ts';
import {
  alloyConfig,
  amtoolCheckConfig,
  grafanaDatasources,
  otelCollectorConfig,
  prometheusScrapesServices,
  promtoolCheckConfig,
  yamlFilesValid,
} from './lib/observability.ts';
import { diskRepo } from './lib/repo.ts';

const repo = diskRepo();
const findings: Finding[] = [];
findings.push(...lintDockerfile(parseDockerfile(DOCKERFILE, repo.read(DOCKERFILE))));
findings.push(...checkCompose(repo));
for (const check of [
  promtoolCheckConfig,
  amtoolCheckConfig,
  yamlFilesValid,
  prometheusScrapesServices,
  grafanaDatasources,
  otelCollectorConfig,
  alloyConfig,
]) {
  findings.push(...check(repo));
}
console.log(formatFindings(findings));
process.exitCode = findings.length === 0 ? 0 : 1;
