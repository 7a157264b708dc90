// `npm run docs:terraform`: the inputs and outputs table of each infra/terraform/modules/<name>/README.md, generated
// from its variables.tf and outputs.tf (between terraform-docs' markers). `--check` fails when a README is stale.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from '@cdktf/hcl2json';
import { markdownTable, spliceSection } from './markdown.ts';

const ROOT = join(import.meta.dirname, '..', '..');
export const MODULES_DIR = join(ROOT, 'infra', 'terraform', 'modules');
const SECTION = 'terraform-docs';
const NOTE = '_Generated from `variables.tf` and `outputs.tf` by `npm run docs:terraform`._';

type Block = Record<string, unknown>;

/** hcl2json gives expressions as `${...}`; show them as Terraform spells them, on one line. */
function expression(value: unknown): string {
  if (!(typeof value === 'string' && value.startsWith('${') && value.endsWith('}'))) return JSON.stringify(value);
  const lines = value
    .slice(2, -1)
    .split('\n')
    .map((l) =>
      l
        .replace(/\s*(#|\/\/).*$/, '')
        .replace(/\s+/g, ' ')
        .trim(),
    )
    .filter(Boolean);
  return lines.reduce((out, line) => {
    const open = /[{([,]$/.test(out);
    const close = /^[})\]]/.test(line);
    return `${out}${open || close ? ' ' : ', '}${line}`;
  });
}

const code = (s: string) => `\`${s.replaceAll('|', '\\|')}\``;
const prose = (s: unknown) =>
  String(s ?? '')
    .replace(/\s+/g, ' ')
    .replaceAll('|', '\\|');

async function blocks(file: string, kind: 'variable' | 'output'): Promise<Array<[string, Block]>> {
  if (!existsSync(file)) return [];
  const parsed = (await parse(file, readFileSync(file, 'utf8'))) as Record<string, Record<string, Block[]>>;
  return Object.entries(parsed[kind] ?? {}).map(([name, [body]]) => [name, body ?? {}]);
}

/** The generated section of one module's README. */
export async function moduleDocs(dir: string): Promise<string> {
  const inputs = await blocks(join(dir, 'variables.tf'), 'variable');
  const outputs = await blocks(join(dir, 'outputs.tf'), 'output');
  const inputRows = inputs.map(([name, v]) => [
    code(name),
    prose(v.description),
    v.type === undefined ? '`any`' : code(expression(v.type)),
    'default' in v ? code(expression(v.default)) : '',
    'default' in v ? 'no' : 'yes',
  ]);
  const outputRows = outputs.map(([name, o]) => [code(name), prose(o.description), o.sensitive === true ? 'yes' : '']);
  return [
    NOTE,
    '',
    '## Inputs',
    '',
    inputRows.length ? markdownTable(['Name', 'Description', 'Type', 'Default', 'Required'], inputRows) : 'No inputs.',
    '',
    '## Outputs',
    '',
    outputRows.length ? markdownTable(['Name', 'Description', 'Sensitive'], outputRows) : 'No outputs.',
  ].join('\n');
}

export function moduleDirs(): string[] {
  return readdirSync(MODULES_DIR, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => join(MODULES_DIR, d.name))
    .sort();
}

/** Each README as it is and as it should be; a missing README starts with the module's name. */
export async function readmes(): Promise<Array<{ file: string; before: string; after: string }>> {
  return Promise.all(
    moduleDirs().map(async (dir) => {
      const file = join(dir, 'README.md');
      const body = await moduleDocs(dir);
      if (!existsSync(file)) {
        const name = dir.slice(MODULES_DIR.length + 1);
        return {
          file,
          before: '',
          after: `# Module \`${name}\`\n\n<!-- ${SECTION}:start -->\n${body}\n<!-- ${SECTION}:end -->\n`,
        };
      }
      return { file, ...spliceSection(file, SECTION, body) };
    }),
  );
}

if (import.meta.main) {
  const check = process.argv.includes('--check');
  let stale = 0;
  for (const r of await readmes()) {
    if (r.before === r.after) continue;
    if (check) {
      console.error(`stale module README ${r.file}; run npm run docs:terraform`);
      stale += 1;
    } else {
      writeFileSync(r.file, r.after);
      console.log(`updated ${r.file}`);
    }
  }
  process.exitCode = stale ? 1 : 0;
}
