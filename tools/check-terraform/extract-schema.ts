// Extracts the slice of the AWS provider schema the Terraform checks need from the jsii assembly of the prebuilt
// CDKTF AWS provider, whose generated types mirror `terraform providers schema -json` for one provider release.
// Run it only when the pinned provider version moves: `node tools/check-terraform/extract-schema.ts`.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BlockSchema, ProviderSchema } from './schema.ts';

const PACKAGE = '@cdktf/provider-aws';
const VERSION = '21.22.1';
const ASSEMBLY = PACKAGE;

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '../..');
export const SCHEMA_PATH = join(here, 'aws-provider-schema.json');

interface JsiiTypeRef {
  primitive?: string;
  fqn?: string;
  collection?: { kind: 'array' | 'map'; elementtype: JsiiTypeRef };
  union?: { types: JsiiTypeRef[] };
}

interface JsiiProperty {
  name: string;
  optional?: boolean;
  static?: boolean;
  type: JsiiTypeRef;
  docs?: { summary?: string; remarks?: string };
}

interface JsiiType {
  fqn: string;
  kind: string;
  base?: string;
  docs?: { summary?: string };
  properties?: JsiiProperty[];
  initializer?: { parameters?: { name: string; type: JsiiTypeRef }[] };
}

interface JsiiAssembly {
  types: Record<string, JsiiType>;
}

/** Downloads the provider tarball into .cache/ once and returns the path of its unpacked `.jsii`. */
function fetchAssembly(): string {
  const dir = join(repoRoot, '.cache', 'provider-aws');
  const jsii = join(dir, 'package', '.jsii');
  if (existsSync(jsii)) return jsii;
  mkdirSync(dir, { recursive: true });
  const tarball = join(dir, `cdktf-provider-aws-${VERSION}.tgz`);
  if (!existsSync(tarball)) {
    execFileSync('npm', ['pack', `${PACKAGE}@${VERSION}`, '--silent', '--pack-destination', dir], { stdio: 'inherit' });
  }
  execFileSync('tar', ['-xzf', tarball, '-C', dir, 'package/.jsii']);
  return jsii;
}

export function camelToSnake(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}

/**
 * The generated docs carry the Terraform name verbatim ("...#cidr_block Vpc#cidr_block}" or "vpc_config block."),
 * which is safer than reversing the camelCase (names with digits, or renamed to dodge reserved words).
 */
export function terraformName(property: JsiiProperty): string {
  const text = `${property.docs?.summary ?? ''} ${property.docs?.remarks ?? ''}`;
  const anchored = /\/docs\/(?:resources|data-sources)\/[a-z0-9_]+#([a-z0-9_]+) [A-Za-z0-9]+#/.exec(text);
  if (anchored?.[1]) return anchored[1];
  const block = /^([a-z0-9_]+) block\./.exec(property.docs?.summary ?? '');
  if (block?.[1]) return block[1];
  return camelToSnake(property.name);
}

/** The struct a property nests, when it is a block (single, list or set); maps of objects stay plain arguments. */
function nestedStruct(ref: JsiiTypeRef, types: Record<string, JsiiType>): JsiiType | undefined {
  const candidates = ref.union ? ref.union.types : [ref];
  for (const candidate of candidates) {
    const fqn = candidate.fqn ?? (candidate.collection?.kind === 'array' ? candidate.collection.elementtype.fqn : undefined);
    if (fqn?.startsWith(`${ASSEMBLY}.`)) {
      const type = types[fqn];
      if (type?.kind === 'interface') return type;
    }
  }
  return undefined;
}

function blockSchema(struct: JsiiType, types: Record<string, JsiiType>, depth: number): BlockSchema {
  const args: string[] = [];
  const required: string[] = [];
  const blocks: Record<string, BlockSchema> = {};
  for (const property of struct.properties ?? []) {
    const name = terraformName(property);
    const nested = depth < 8 ? nestedStruct(property.type, types) : undefined;
    if (nested) blocks[name] = blockSchema(nested, types, depth + 1);
    else args.push(name);
    if (!property.optional) required.push(name);
  }
  const schema: BlockSchema = { args: args.sort() };
  if (required.length > 0) schema.required = required.sort();
  if (Object.keys(blocks).length > 0) schema.blocks = sortKeys(blocks);
  return schema;
}

function sortKeys<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));
}

function terraformTypeName(type: JsiiType): string | undefined {
  return /\{@link \S+ (aws_[a-z0-9_]+)\}/.exec(type.docs?.summary ?? '')?.[1];
}

export function extract(assembly: JsiiAssembly): ProviderSchema {
  const { types } = assembly;
  const resources: Record<string, BlockSchema> = {};
  const dataSources: Record<string, BlockSchema> = {};
  let provider: BlockSchema = { args: [] };
  for (const type of Object.values(types)) {
    if (type.kind !== 'class') continue;
    const configRef = type.initializer?.parameters?.find((parameter) => parameter.name === 'config')?.type.fqn;
    const config = configRef ? types[configRef] : undefined;
    if (!config) continue;
    if (type.base === 'cdktf.TerraformProvider') {
      provider = blockSchema(config, types, 0);
      continue;
    }
    const target = type.base === 'cdktf.TerraformResource' ? resources : type.base === 'cdktf.TerraformDataSource' ? dataSources : undefined;
    const name = terraformTypeName(type);
    if (!target || !name) continue;
    const schema = blockSchema(config, types, 0);
    // Computed attributes exist only as getters on the class; inputs show up as `<name>Input` twins.
    const known = new Set([...schema.args, ...Object.keys(schema.blocks ?? {})]);
    const computed = (type.properties ?? [])
      .filter((property) => !property.static && !property.name.endsWith('Input'))
      .map((property) => camelToSnake(property.name))
      .filter((attribute) => !known.has(attribute));
    if (computed.length > 0) schema.computed = [...new Set(computed)].sort();
    target[name] = schema;
  }
  return {
    source: 'registry.terraform.io/hashicorp/aws',
    version: '6.25.0',
    extractedFrom: `${PACKAGE}@${VERSION}`,
    provider,
    resources: sortKeys(resources),
    dataSources: sortKeys(dataSources),
  };
}

/** One line per resource type keeps the file small (about 1 MB) and its diffs readable when the provider moves. */
function serialise(schema: ProviderSchema): string {
  const table = (record: Record<string, BlockSchema>): string =>
    `{\n${Object.entries(record)
      .map(([name, block]) => `    ${JSON.stringify(name)}: ${JSON.stringify(block)}`)
      .join(',\n')}\n  }`;
  return [
    '{',
    `  "source": ${JSON.stringify(schema.source)},`,
    `  "version": ${JSON.stringify(schema.version)},`,
    `  "extractedFrom": ${JSON.stringify(schema.extractedFrom)},`,
    `  "provider": ${JSON.stringify(schema.provider)},`,
    `  "resources": ${table(schema.resources)},`,
    `  "dataSources": ${table(schema.dataSources)}`,
    '}',
    '',
  ].join('\n');
}

if (import.meta.main) {
  const assembly = JSON.parse(readFileSync(fetchAssembly(), 'utf8')) as JsiiAssembly;
  const schema = extract(assembly);
  const json = serialise(schema);
  writeFileSync(SCHEMA_PATH, json);
  console.log(
    `wrote ${Object.keys(schema.resources).length} resource and ${Object.keys(schema.dataSources).length} data source types ` +
      `(${(json.length / 1e6).toFixed(1)} MB of JSON) to ${SCHEMA_PATH.slice(repoRoot.length + 1)}`,
  );
}
