// Loads a tree of Terraform files into modules: one per directory, with the blocks hcl2json parsed out of them.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { parse } from '@cdktf/hcl2json';

/** A block body as hcl2json returns it: attributes as values, nested blocks as arrays of bodies. */
export type Body = Record<string, unknown>;

export interface Located {
  /** Path relative to the checked root, e.g. modules/eks/main.tf. */
  file: string;
}

export interface ResourceBlock extends Located {
  kind: 'resource' | 'data';
  type: string;
  name: string;
  body: Body;
}

export interface NamedBlock extends Located {
  name: string;
  body: Body;
}

/** `moved { from = ..., to = ... }`: the addresses as hcl2json gives them, `${module.eks}`. */
export interface MovedBlock extends Located {
  from: unknown;
  to: unknown;
}

export interface TfModule {
  /** Directory relative to the checked root, e.g. modules/eks or envs/dev. */
  dir: string;
  files: string[];
  resources: ResourceBlock[];
  variables: Map<string, NamedBlock>;
  outputs: Map<string, NamedBlock>;
  locals: Map<string, NamedBlock>;
  moduleCalls: Map<string, NamedBlock>;
  moved: MovedBlock[];
  providers: NamedBlock[];
  terraform: NamedBlock[];
  /** Parsed `terraform.tfvars.example`, when the directory has one. */
  exampleVariables?: Body;
}

export interface ParseFailure extends Located {
  message: string;
}

export interface TfTree {
  root: string;
  modules: Map<string, TfModule>;
  sources: Map<string, string>;
  parseFailures: ParseFailure[];
}

export function isBody(value: unknown): value is Body {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Nested blocks come back as arrays of bodies; an attribute may also be an array, of values. */
export function blockList(value: unknown): Body[] {
  return Array.isArray(value) ? value.filter(isBody) : [];
}

function walk(dir: string, out: string[]): void {
  for (const entry of readdirSync(dir).sort()) {
    if (entry === '.terraform' || entry.startsWith('.')) continue;
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) walk(path, out);
    else if (entry.endsWith('.tf') || entry.endsWith('.tfvars.example')) out.push(path);
  }
}

function emptyModule(dir: string): TfModule {
  return {
    dir,
    files: [],
    resources: [],
    variables: new Map(),
    outputs: new Map(),
    locals: new Map(),
    moduleCalls: new Map(),
    moved: [],
    providers: [],
    terraform: [],
  };
}

function addNamed(target: Map<string, NamedBlock>, section: unknown, file: string): void {
  if (!isBody(section)) return;
  for (const [name, bodies] of Object.entries(section)) {
    for (const body of blockList(bodies)) target.set(name, { name, body, file });
  }
}

function addFile(module: TfModule, file: string, parsed: Body): void {
  module.files.push(file);
  for (const kind of ['resource', 'data'] as const) {
    const section = parsed[kind];
    if (!isBody(section)) continue;
    for (const [type, named] of Object.entries(section)) {
      if (!isBody(named)) continue;
      for (const [name, bodies] of Object.entries(named)) {
        for (const body of blockList(bodies)) module.resources.push({ kind, type, name, body, file });
      }
    }
  }
  addNamed(module.variables, parsed.variable, file);
  addNamed(module.outputs, parsed.output, file);
  addNamed(module.moduleCalls, parsed.module, file);
  for (const moved of blockList(parsed.moved)) module.moved.push({ from: moved.from, to: moved.to, file });
  for (const locals of blockList(parsed.locals)) {
    for (const [name, value] of Object.entries(locals)) module.locals.set(name, { name, body: { value }, file });
  }
  const providers = parsed.provider;
  if (isBody(providers)) {
    for (const [name, bodies] of Object.entries(providers)) {
      for (const body of blockList(bodies)) module.providers.push({ name, body, file });
    }
  }
  for (const body of blockList(parsed.terraform)) module.terraform.push({ name: 'terraform', body, file });
}

export async function loadTree(rootDir: string): Promise<TfTree> {
  const root = resolve(rootDir);
  const paths: string[] = [];
  walk(root, paths);
  const tree: TfTree = { root, modules: new Map(), sources: new Map(), parseFailures: [] };
  const parsed = await Promise.all(
    paths.map(async (path) => {
      const file = relative(root, path);
      const source = readFileSync(path, 'utf8');
      try {
        return { file, source, body: (await parse(file, source)) as unknown };
      } catch (error) {
        return { file, source, error: error instanceof Error ? error.message : String(error) };
      }
    }),
  );
  for (const entry of parsed) {
    tree.sources.set(entry.file, entry.source);
    const dir = entry.file.includes('/') ? entry.file.slice(0, entry.file.lastIndexOf('/')) : '.';
    const module = tree.modules.get(dir) ?? emptyModule(dir);
    tree.modules.set(dir, module);
    if ('error' in entry) {
      tree.parseFailures.push({ file: entry.file, message: entry.error ?? 'unparseable' });
      continue;
    }
    if (!isBody(entry.body)) continue;
    if (entry.file.endsWith('.tfvars.example')) module.exampleVariables = entry.body;
    else addFile(module, entry.file, entry.body);
  }
  return tree;
}

/** Directory a local module source points at, relative to the tree root; undefined for registry or git sources. */
export function localSourceDir(callerDir: string, source: unknown): string | undefined {
  if (typeof source !== 'string' || !(source.startsWith('./') || source.startsWith('../'))) return undefined;
  return relative('.', join(callerDir, source)) || '.';
}

/** Root modules are the directories nothing else calls: environments and the state bootstrap. */
export function rootModules(tree: TfTree): TfModule[] {
  const called = new Set<string>();
  for (const module of tree.modules.values()) {
    for (const call of module.moduleCalls.values()) {
      const dir = localSourceDir(module.dir, call.body.source);
      if (dir) called.add(dir);
    }
  }
  return [...tree.modules.values()].filter((module) => !called.has(module.dir) && module.files.length > 0);
}

export function readText(path: string): string {
  return readFileSync(path, 'utf8');
}
