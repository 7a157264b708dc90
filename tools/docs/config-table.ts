// Renders each service's config schema as a Markdown table into README.md and services/<name>/README.md,
// between <!-- config:start --> and <!-- config:end -->. `--check` fails when a committed table is stale.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TObject } from '@sinclair/typebox';
import { describeConfig } from '@shipshape/platform/config';
import { SERVICE_LIST } from '../dev/services.ts';
import { markdownTable, spliceSection } from './markdown.ts';

const ROOT = join(import.meta.dirname, '..', '..');

const cell = (v: unknown) => (v === undefined ? '' : `\`${String(v)}\``);

/** One table for one service. */
export function serviceTable(schema: TObject): string {
  const rows = describeConfig(schema).map((r) => [
    `\`${r.name}\`${r.secret ? ' 🔒' : ''}`,
    r.required ? '**yes**' : '',
    cell(r.default),
    r.description.replaceAll('|', '\\|'),
  ]);
  return markdownTable(['variable', 'required', 'default', 'description'], rows);
}

/** One table for the whole system: which services read each variable. */
export function systemTable(): string {
  const byName = new Map<string, { services: string[]; row: ReturnType<typeof describeConfig>[number] }>();
  for (const { name: svc, config } of SERVICE_LIST) {
    for (const row of describeConfig(config)) {
      const seen = byName.get(row.name);
      if (seen) seen.services.push(svc);
      else byName.set(row.name, { services: [svc], row });
    }
  }
  const rows = [...byName.values()].map(({ services, row }) => [
    `\`${row.name}\`${row.secret ? ' 🔒' : ''}`,
    services.length === SERVICE_LIST.length ? 'all' : services.join(', '),
    row.required ? '**yes**' : '',
    cell(row.default),
    row.description.replaceAll('|', '\\|'),
  ]);
  return markdownTable(['variable', 'services', 'required', 'default', 'description'], rows);
}

const NOTE =
  '_Generated from `services/*/src/config.ts` by `npm run docs:config`. 🔒 secrets are also read from `<NAME>_FILE`._';

function splice(file: string, table: string): { before: string; after: string } {
  return spliceSection(file, 'config', `${NOTE}\n\n${table}`);
}

export function targets(): { file: string; table: string }[] {
  return [
    { file: join(ROOT, 'README.md'), table: systemTable() },
    ...SERVICE_LIST.map((s) => ({ file: join(ROOT, s.readme), table: serviceTable(s.config) })),
  ];
}

if (import.meta.main) {
  const check = process.argv.includes('--check');
  let stale = 0;
  for (const t of targets()) {
    const { before, after } = splice(t.file, t.table);
    if (before === after) continue;
    if (check) {
      console.error(`stale config table in ${t.file}; run npm run docs:config`);
      stale += 1;
    } else {
      writeFileSync(t.file, after);
      console.log(`updated ${t.file}`);
    }
  }
  process.exitCode = stale ? 1 : 0;
}
