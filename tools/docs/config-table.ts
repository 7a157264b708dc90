// Renders each service's config schema as a Markdown table into README.md and services/<name>/README.md,
// between <!-- config:start --> and <!-- config:end -->. `--check` fails when a committed table is stale.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TObject } from '@sinclair/typebox';
import { describeConfig } from '@shipshape/platform/config';
import { SERVICE_SCHEMAS } from '../dev/services.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const SCHEMAS: Record<string, TObject> = {
  gateway: SERVICE_SCHEMAS.gateway,
  users: SERVICE_SCHEMAS.users,
  products: SERVICE_SCHEMAS.products,
  orders: SERVICE_SCHEMAS.orders,
};

const cell = (v: unknown) => (v === undefined ? '' : `\`${String(v)}\``);

/** One table for one service. */
export function serviceTable(schema: TObject): string {
  const rows = describeConfig(schema).map(
    (r) =>
      `| \`${r.name}\`${r.secret ? ' 🔒' : ''} | ${r.required ? '**yes**' : ''} | ${cell(r.default)} | ${r.description.replaceAll('|', '\\|')} |`,
  );
  return ['| variable | required | default | description |', '|---|---|---|---|', ...rows].join('\n');
}

/** One table for the whole system: which services read each variable. */
export function systemTable(): string {
  const byName = new Map<string, { services: string[]; row: ReturnType<typeof describeConfig>[number] }>();
  for (const [svc, schema] of Object.entries(SCHEMAS)) {
    for (const row of describeConfig(schema)) {
      const seen = byName.get(row.name);
      if (seen) seen.services.push(svc);
      else byName.set(row.name, { services: [svc], row });
    }
  }
  const lines = [...byName.values()].map(
    ({ services, row }) =>
      `| \`${row.name}\`${row.secret ? ' 🔒' : ''} | ${services.length === 4 ? 'all' : services.join(', ')} | ${row.required ? '**yes**' : ''} | ${cell(row.default)} | ${row.description.replaceAll('|', '\\|')} |`,
  );
  return ['| variable | services | required | default | description |', '|---|---|---|---|---|', ...lines].join('\n');
}

const NOTE =
  '_Generated from `services/*/src/config.ts` by `npm run docs:config`. 🔒 secrets are also read from `<NAME>_FILE`._';

function splice(file: string, table: string): { before: string; after: string } {
  const before = readFileSync(file, 'utf8');
  const re = /<!-- config:start -->[\s\S]*?<!-- config:end -->/;
  if (!re.test(before)) throw new Error(`${file} has no <!-- config:start --> … <!-- config:end --> section`);
  return { before, after: before.replace(re, `<!-- config:start -->\n${NOTE}\n\n${table}\n<!-- config:end -->`) };
}

export function targets(): { file: string; table: string }[] {
  return [
    { file: join(ROOT, 'README.md'), table: systemTable() },
    ...Object.entries(SCHEMAS).map(([svc, schema]) => ({
      file: join(ROOT, 'services', svc, 'README.md'),
      table: serviceTable(schema),
    })),
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
