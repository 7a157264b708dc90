// Every reference resolves (var., local., module.<m>.<output>, resources, data sources and their attributes,
// each/count only where they exist), every module call passes only declared variables and all required ones (and,
// in object values written out, only attributes their type declares and all it requires), and every moved block
// moves from an address no longer declared to one that is, through nested module calls.
import { getReferencesInExpression } from '@cdktf/hcl2json';
import { didYouMean, type Finding } from './finding.ts';
import { blockList, isBody, localSourceDir, type Body, type NamedBlock, type TfModule, type TfTree } from './model.ts';
import { typeProblems, variableType } from './types.ts';
import type { BlockSchema, ProviderSchema } from './schema.ts';

interface Scope {
  each: boolean;
  count: boolean;
  iterators: ReadonlySet<string>;
}

interface Expression {
  text: string;
  scope: Scope;
  file: string;
  address: string;
  /** depends_on lists name objects, not values. */
  dependency: boolean;
}

export interface ReferenceCounts {
  expressions: number;
  references: number;
  moduleCalls: number;
  movedBlocks: number;
}

const NO_SCOPE: Scope = { each: false, count: false, iterators: new Set() };
const MODULE_CALL_META = new Set(['source', 'version', 'providers', 'count', 'for_each', 'depends_on']);

function collect(value: unknown, scope: Scope, file: string, address: string, out: Expression[]): void {
  if (typeof value === 'string') {
    if (value.includes('${')) out.push({ text: value, scope, file, address, dependency: false });
    return;
  }
  if (Array.isArray(value)) {
    for (const element of value) collect(element, scope, file, address, out);
    return;
  }
  if (!isBody(value)) return;
  for (const [key, nested] of Object.entries(value)) {
    if (key === 'dynamic' && isBody(nested)) {
      for (const [name, dynamics] of Object.entries(nested)) {
        for (const dynamic of blockList(dynamics)) {
          const iterator = typeof dynamic.iterator === 'string' ? dynamic.iterator : name;
          collect(dynamic.for_each, scope, file, address, out);
          const inner: Scope = { ...scope, iterators: new Set([...scope.iterators, iterator]) };
          collect(dynamic.content, inner, file, address, out);
        }
      }
      continue;
    }
    collect(nested, scope, file, address, out);
  }
}

function blockScope(body: Body): Scope {
  return { each: 'for_each' in body, count: 'count' in body, iterators: new Set() };
}

function expressionsOf(module: TfModule): Expression[] {
  const out: Expression[] = [];
  for (const resource of module.resources) {
    const address = `${resource.kind === 'data' ? 'data.' : ''}${resource.type}.${resource.name}`;
    const scope = blockScope(resource.body);
    const { lifecycle: _lifecycle, provider: _provider, depends_on: dependsOn, ...body } = resource.body;
    for (const entry of Array.isArray(dependsOn) ? dependsOn : []) {
      if (typeof entry === 'string') out.push({ text: entry, scope, file: resource.file, address, dependency: true });
    }
    collect(body, scope, resource.file, address, out);
  }
  for (const call of module.moduleCalls.values()) {
    const scope = blockScope(call.body);
    const { source: _source, providers: _providers, ...body } = call.body;
    collect(body, scope, call.file, `module.${call.name}`, out);
  }
  for (const output of module.outputs.values())
    collect(output.body, NO_SCOPE, output.file, `output.${output.name}`, out);
  for (const local of module.locals.values())
    collect(local.body.value, NO_SCOPE, local.file, `local.${local.name}`, out);
  for (const variable of module.variables.values()) {
    collect(variable.body.validation, NO_SCOPE, variable.file, `var.${variable.name}`, out);
  }
  for (const provider of module.providers)
    collect(provider.body, NO_SCOPE, provider.file, `provider.${provider.name}`, out);
  return out;
}

/** `aws_subnet.x["a"].id` arrives as `aws_subnet.x."a".id`; index segments are dropped. */
function segments(reference: string): string[] {
  return (reference.match(/"[^"]*"|[^.]+/g) ?? []).filter(
    (segment) => !segment.startsWith('"') && !/^\d+$/.test(segment),
  );
}

function attributeNames(schema: BlockSchema): Set<string> {
  return new Set([...schema.args, ...Object.keys(schema.blocks ?? {}), ...(schema.computed ?? []), 'id']);
}

interface Context {
  tree: TfTree;
  module: TfModule;
  schema: ProviderSchema;
  resources: Map<string, string>;
}

function resolve(reference: string, expression: Expression, context: Context): string | undefined {
  const [root, second, third] = segments(reference);
  const { module } = context;
  if (!root) return undefined;
  switch (root) {
    case 'var':
      return second && module.variables.has(second)
        ? undefined
        : `undeclared variable "var.${second}"${didYouMean(second ?? '', module.variables.keys())}`;
    case 'local':
      return second && module.locals.has(second)
        ? undefined
        : `undeclared local "local.${second}"${didYouMean(second ?? '', module.locals.keys())}`;
    case 'each':
      return expression.scope.each ? undefined : '"each" is only available in a block with for_each';
    case 'count':
      return expression.scope.count ? undefined : '"count" is only available in a block with count';
    case 'path':
    case 'terraform':
    case 'self':
      return undefined;
    case 'module': {
      const call = second ? module.moduleCalls.get(second) : undefined;
      if (!call) return `no module call "module.${second}"${didYouMean(second ?? '', module.moduleCalls.keys())}`;
      const dir = localSourceDir(module.dir, call.body.source);
      const callee = dir ? context.tree.modules.get(dir) : undefined;
      if (!third || !callee) return undefined;
      return callee.outputs.has(third)
        ? undefined
        : `module "${second}" (${dir}) has no output "${third}"${didYouMean(third, callee.outputs.keys())}`;
    }
    case 'data': {
      const type = second ?? '';
      const name = third ?? '';
      if (!context.resources.has(`data.${type}.${name}`))
        return `no data source "data.${type}.${name}" in ${module.dir}`;
      const attribute = segments(reference)[3];
      const schema = context.schema.dataSources[type];
      if (expression.dependency || !attribute || !schema) return undefined;
      return attributeNames(schema).has(attribute)
        ? undefined
        : `data source type "${type}" has no attribute "${attribute}"${didYouMean(attribute, attributeNames(schema))}`;
    }
    default: {
      if (expression.scope.iterators.has(root)) return undefined;
      if (!root.includes('_')) return `unknown reference "${reference}"`;
      const name = second ?? '';
      if (!context.resources.has(`${root}.${name}`)) {
        const candidates = [...context.resources.keys()].filter((key) => !key.startsWith('data.'));
        return `no resource "${root}.${name}" in ${module.dir}${didYouMean(`${root}.${name}`, candidates)}`;
      }
      const schema = context.schema.resources[root];
      if (expression.dependency || !third || !schema) return undefined;
      return attributeNames(schema).has(third)
        ? undefined
        : `resource type "${root}" has no attribute "${third}"${didYouMean(third, attributeNames(schema))}`;
    }
  }
}

function checkModuleCalls(tree: TfTree, module: TfModule, findings: Finding[]): number {
  let count = 0;
  for (const call of module.moduleCalls.values()) {
    count++;
    const address = `module.${call.name}`;
    const source = call.body.source;
    const dir = localSourceDir(module.dir, source);
    if (!dir) {
      findings.push({
        rule: 'module-call',
        where: `${call.file}: ${address}`,
        message: `source ${JSON.stringify(source)} is not a local path; modules live in this repository so the whole configuration is checked offline`,
      });
      continue;
    }
    const callee = tree.modules.get(dir);
    if (!callee || callee.files.length === 0) {
      findings.push({
        rule: 'module-call',
        where: `${call.file}: ${address}`,
        message: `source "${String(source)}" has no .tf files (${dir})`,
      });
      continue;
    }
    for (const argument of Object.keys(call.body)) {
      if (MODULE_CALL_META.has(argument) || callee.variables.has(argument)) continue;
      findings.push({
        rule: 'module-call',
        where: `${call.file}: ${address}`,
        message: `passes "${argument}", which ${dir} does not declare${didYouMean(argument, callee.variables.keys())}`,
      });
    }
    for (const [name, variable] of callee.variables) {
      if (name in call.body) {
        const type = variableType(variable.body);
        if (type instanceof Error) continue;
        for (const message of typeProblems(type, call.body[name], name, `the type of var.${name} in ${dir}`)) {
          findings.push({ rule: 'module-call', where: `${call.file}: ${address}`, message });
        }
        continue;
      }
      if ('default' in variable.body) continue;
      findings.push({
        rule: 'module-call',
        where: `${call.file}: ${address}`,
        message: `does not pass required variable "${name}" of ${dir}`,
      });
    }
  }
  return count;
}

const MOVED_ADDRESS =
  /^\$\{((?:module\.[A-Za-z0-9_-]+(?:\[[^\]]*\])?\.?)*)((?:data\.)?[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+(?:\[[^\]]*\])?)?\}$/;

/** Whether a module or resource address declared by a moved block exists in the configuration, through nested calls. */
function declared(tree: TfTree, module: TfModule, address: string): boolean | undefined {
  const match = MOVED_ADDRESS.exec(address);
  if (!match) return undefined;
  let current = module;
  for (const [, name] of (match[1] ?? '').matchAll(/module\.([A-Za-z0-9_-]+)/g)) {
    const call: NamedBlock | undefined = name ? current.moduleCalls.get(name) : undefined;
    const dir: string | undefined = call ? localSourceDir(current.dir, call.body.source) : undefined;
    const callee: TfModule | undefined = dir ? tree.modules.get(dir) : undefined;
    if (!callee) return false;
    current = callee;
  }
  const resource = match[2]?.replace(/\[[^\]]*\]$/, '');
  if (!resource) return true;
  return current.resources.some(
    (candidate) => `${candidate.kind === 'data' ? 'data.' : ''}${candidate.type}.${candidate.name}` === resource,
  );
}

/** A moved block must name where the object is now (declared) and where it was (no longer declared). */
function checkMoved(tree: TfTree, module: TfModule, findings: Finding[]): number {
  for (const moved of module.moved) {
    const from = String(moved.from);
    const to = String(moved.to);
    const address = `moved ${from.slice(2, -1)}`;
    const [fromDeclared, toDeclared] = [declared(tree, module, from), declared(tree, module, to)];
    if (fromDeclared === undefined || toDeclared === undefined) {
      findings.push({
        rule: 'reference',
        where: `${moved.file}: ${address}`,
        message: 'from and to must be module or resource addresses',
      });
      continue;
    }
    if (!toDeclared)
      findings.push({
        rule: 'reference',
        where: `${moved.file}: ${address}`,
        message: `moves to ${to.slice(2, -1)}, which the configuration does not declare`,
      });
    if (fromDeclared)
      findings.push({
        rule: 'reference',
        where: `${moved.file}: ${address}`,
        message: `moves from ${from.slice(2, -1)}, which is still declared`,
      });
  }
  return module.moved.length;
}

export async function checkReferences(
  tree: TfTree,
  schema: ProviderSchema,
): Promise<{ findings: Finding[]; counts: ReferenceCounts }> {
  const findings: Finding[] = [];
  const counts: ReferenceCounts = { expressions: 0, references: 0, moduleCalls: 0, movedBlocks: 0 };
  for (const module of tree.modules.values()) {
    const resources = new Map<string, string>();
    for (const resource of module.resources) {
      resources.set(`${resource.kind === 'data' ? 'data.' : ''}${resource.type}.${resource.name}`, resource.file);
    }
    const context: Context = { tree, module, schema, resources };
    const expressions = expressionsOf(module);
    counts.expressions += expressions.length;
    const parsed = await Promise.all(
      expressions.map(async (expression) => {
        try {
          return { expression, references: await getReferencesInExpression(expression.file, expression.text) };
        } catch (error) {
          return { expression, error: error instanceof Error ? error.message : String(error) };
        }
      }),
    );
    for (const entry of parsed) {
      const { expression } = entry;
      if ('error' in entry) {
        findings.push({
          rule: 'reference',
          where: `${expression.file}: ${expression.address}`,
          message: `unparseable expression: ${entry.error}`,
        });
        continue;
      }
      for (const reference of entry.references ?? []) {
        counts.references++;
        const problem = resolve(reference.value, expression, context);
        if (problem)
          findings.push({ rule: 'reference', where: `${expression.file}: ${expression.address}`, message: problem });
      }
    }
    counts.moduleCalls += checkModuleCalls(tree, module, findings);
    counts.movedBlocks += checkMoved(tree, module, findings);
  }
  return { findings, counts };
}
