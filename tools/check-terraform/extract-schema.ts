// Extracts the slice of the provider schemas the Terraform checks need from the jsii assemblies of the prebuilt
// CDKTF providers, whose generated types mirror `terraform providers schema -json` for one provider release each.
// Run it only when a pinned provider version moves: `node tools/check-terraform/extract-schema.ts`.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BlockSchema, ProviderSchema } from './schema.ts';

/** Each npm package holds one provider release: @cdktf/provider-aws 21.22.1 is hashicorp/aws 6.25.0. */
const PACKAGES = [
  { name: 'aws', npm: '@cdktf/provider-aws', version: '21.22.1' },
  { name: 'random', npm: '@cdktf/provider-random', version: '12.0.1' },
] as const;

type Package = (typeof PACKAGES)[number];

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '../..');
export const SCHEMA_PATH = join(here, 'provider-schema.json');

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
  name: string;
  version: string;
  types: Record<string, JsiiType>;
}

interface PackageJson {
  cdktf?: { provider?: { name?: string; version?: string } };
}

/** Downloads a provider tarball into .cache/ once (it is large) and returns its unpacked directory. */
function fetchPackage(pkg: Package): string {
  const dir = join(repoRoot, '.cache', `provider-${pkg.name}-${pkg.version}`);
  const unpacked = join(dir, 'package');
  if (existsSync(join(unpacked, '.jsii'))) return unpacked;
  mkdirSync(dir, { recursive: true });
  const tarball = join(dir, `${pkg.npm.replace('@', '').replace('/', '-')}-${pkg.version}.tgz`);
  if (!existsSync(tarball)) {
    execFileSync('npm', ['pack', `${pkg.npm}@${pkg.version}`, '--silent', '--pack-destination', dir], {
      stdio: 'inherit',
    });
  }
  execFileSync('tar', ['-xzf', tarball, '-C', dir, 'package/.jsii', 'package/package.json']);
  return unpacked;
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
function nestedStruct(ref: JsiiTypeRef, types: Record<string, JsiiType>, assembly: string): JsiiType | undefined {
  const candidates = ref.union ? ref.union.types : [ref];
  for (const candidate of candidates) {
    const fqn =
      candidate.fqn ?? (candidate.collection?.kind === 'array' ? candidate.collection.elementtype.fqn : undefined);
    if (fqn?.startsWith(`${assembly}.`)) {
      const type = types[fqn];
      if (type?.kind === 'interface') return type;
    }
  }
  return undefined;
}

function blockSchema(struct: JsiiType, types: Record<string, JsiiType>, assembly: string, depth: number): BlockSchema {
  const args: string[] = [];
  const required: string[] = [];
  const blocks: Record<string, BlockSchema> = {};
  for (const property of struct.properties ?? []) {
    const name = terraformName(property);
    const nested = depth < 8 ? nestedStruct(property.type, types, assembly) : undefined;
    if (nested) blocks[name] = blockSchema(nested, types, assembly, depth + 1);
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
  return /\{@link \S+ ([a-z0-9]+_[a-z0-9_]+)\}/.exec(type.docs?.summary ?? '')?.[1];
}

interface Extracted {
  config: BlockSchema;
  resources: Record<string, BlockSchema>;
  dataSources: Record<string, BlockSchema>;
}

export function extractAssembly(assembly: JsiiAssembly): Extracted {
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
      provider = blockSchema(config, types, assembly.name, 0);
      continue;
    }
    const target =
      type.base === 'cdktf.TerraformResource'
        ? resources
        : type.base === 'cdktf.TerraformDataSource'
          ? dataSources
          : undefined;
    const name = terraformTypeName(type);
    if (!target || !name) continue;
    const schema = blockSchema(config, types, assembly.name, 0);
    // Computed attributes exist only as getters on the class; inputs show up as `<name>Input` twins.
    const known = new Set([...schema.args, ...Object.keys(schema.blocks ?? {})]);
    const computed = (type.properties ?? [])
      .filter((property) => !property.static && !property.name.endsWith('Input'))
      .map((property) => camelToSnake(property.name))
      .filter((attribute) => !known.has(attribute));
    if (computed.length > 0) schema.computed = [...new Set(computed)].sort();
    target[name] = schema;
  }
  return { config: provider, resources, dataSources };
}

function extract(): ProviderSchema {
  const schema: ProviderSchema = { providers: {}, resources: {}, dataSources: {} };
  for (const pkg of PACKAGES) {
    const dir = fetchPackage(pkg);
    const assembly = JSON.parse(readFileSync(join(dir, '.jsii'), 'utf8')) as JsiiAssembly;
    const provider = (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as PackageJson).cdktf?.provider;
    if (!provider?.name || !provider.version)
      throw new Error(`${pkg.npm}@${pkg.version} does not name its Terraform provider`);
    const extracted = extractAssembly(assembly);
    schema.providers[pkg.name] = {
      source: provider.name,
      version: provider.version,
      extractedFrom: `${pkg.npm}@${pkg.version}`,
      config: extracted.config,
    };
    Object.assign(schema.resources, extracted.resources);
    Object.assign(schema.dataSources, extracted.dataSources);
  }
  schema.resources = sortKeys(schema.resources);
  schema.dataSources = sortKeys(schema.dataSources);
  return schema;
}

/** One line per resource type keeps the file small (about 1 MB) and its diffs readable when the provider moves. */
function serialise(schema: ProviderSchema): string {
  const table = (record: Record<string, BlockSchema>): string =>
    `{\n${Object.entries(record)
      .map(([name, block]) => `    ${JSON.stringify(name)}: ${JSON.stringify(block)}`)
      .join(',\n')}\n  }`;
  const providers = Object.entries(schema.providers)
    .map(([name, provider]) => `    ${JSON.stringify(name)}: ${JSON.stringify(provider)}`)
    .join(',\n');
  return [
    '{',
    `  "providers": {\n${providers}\n  },`,
    `  "resources": ${table(schema.resources)},`,
    `  "dataSources": ${table(schema.dataSources)}`,
    '}',
    '',
  ].join('\n');
}

if (import.meta.main) {
  const schema = extract();
  const json = serialise(schema);
  writeFileSync(SCHEMA_PATH, json);
  const versions = Object.entries(schema.providers).map(([name, provider]) => `${name} ${provider.version}`);
  console.log(
    `wrote ${versions.join(', ')}: ${Object.keys(schema.resources).length} resource and ${Object.keys(schema.dataSources).length} data source types ` +
      `(${(json.length / 1e6).toFixed(1)} MB of JSON) to ${SCHEMA_PATH.slice(repoRoot.length + 1)}`,
  );
}
