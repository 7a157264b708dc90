// Writes the Prometheus rule files and Grafana dashboards from their TypeScript and YAML sources.
//   node deploy/observability/generate.ts          regenerate
//   node deploy/observability/generate.ts --check  exit 1 and name the files that are out of date
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OUTPUT_ROOT, renderAll } from './src/render.ts';

/** Files whose committed content differs from what the sources generate. */
export function staleFiles(): string[] {
  const stale: string[] = [];
  for (const [path, content] of renderAll()) {
    let current: string | undefined;
    try {
      current = readFileSync(new URL(path, OUTPUT_ROOT), 'utf8');
    } catch {
      current = undefined;
    }
    if (current !== content) stale.push(path);
  }
  return stale;
}

export function writeAll(): string[] {
  const written: string[] = [];
  for (const [path, content] of renderAll()) {
    const file = fileURLToPath(new URL(path, OUTPUT_ROOT));
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, content);
    written.push(path);
  }
  return written;
}

if (import.meta.main) {
  if (process.argv.includes('--check')) {
    const stale = staleFiles();
    if (stale.length > 0) {
      console.error(`Out of date (run node deploy/observability/generate.ts): ${stale.join(', ')}`);
      process.exitCode = 1;
    } else console.log('deploy/observability: generated files are up to date');
  } else {
    for (const path of writeAll()) console.log(`wrote deploy/observability/${path}`);
  }
}
