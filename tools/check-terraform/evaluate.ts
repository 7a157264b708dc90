// Just enough evaluation for policy checks: literals, and var./local. references followed through module calls
// down from each root module, however deeply nested, with the root's variables taken from terraform.tfvars.example
// or their defaults, and every variable's value converted by its type (defaults of optional object attributes
// filled in). Anything else (function calls, resource attributes, conditionals) is Unknown.
import {
  blockList,
  isBody,
  localSourceDir,
  rootModules,
  type Body,
  type ResourceBlock,
  type TfModule,
  type TfTree,
} from './model.ts';
import { variableType, withDefaults } from './types.ts';

export const UNKNOWN: unique symbol = Symbol('unknown');
export type Value = unknown;

/** A module as instantiated from one root, with its variables bound. */
export interface Instance {
  root: string;
  /** Module path from the root, e.g. module.eks; empty for the root itself. */
  path: string;
  module: TfModule;
  variables: Map<string, Value>;
}

const SIMPLE_REFERENCE = /^\$\{(!?)(var|local)\.([A-Za-z0-9_-]+)((?:\.[A-Za-z0-9_-]+)*)\}$/;

export function evaluate(value: unknown, instance: Instance, depth = 0): Value {
  if (depth > 20) return UNKNOWN;
  if (typeof value === 'string') {
    if (!value.includes('${')) return value;
    const match = SIMPLE_REFERENCE.exec(value);
    if (!match) return UNKNOWN;
    const [, negate, kind, name = '', path = ''] = match;
    let result: Value;
    if (kind === 'var') result = instance.variables.has(name) ? instance.variables.get(name) : UNKNOWN;
    else {
      const local = instance.module.locals.get(name);
      result = local ? evaluate(local.body.value, instance, depth + 1) : UNKNOWN;
    }
    for (const key of path.split('.').filter(Boolean)) result = isBody(result) && key in result ? result[key] : UNKNOWN;
    if (negate) return typeof result === 'boolean' ? !result : UNKNOWN;
    return result;
  }
  if (Array.isArray(value)) return value.map((element) => evaluate(element, instance, depth + 1));
  if (isBody(value))
    return Object.fromEntries(
      Object.entries(value).map(([key, nested]) => [key, evaluate(nested, instance, depth + 1)]),
    );
  return value;
}

/** The values a module's variables take from a module call or tfvars file, converted by each variable's type. */
function bindVariables(
  module: TfModule,
  given: Body | undefined,
  evaluateGiven: (value: unknown) => Value,
): Map<string, Value> {
  const variables = new Map<string, Value>();
  for (const [name, variable] of module.variables) {
    const fallback = 'default' in variable.body ? variable.body.default : UNKNOWN;
    let value = given && name in given ? evaluateGiven(given[name]) : fallback;
    // nullable = false: null from the caller means the default.
    if (value === null && variable.body.nullable === false) value = fallback;
    // An unreadable type is reported by the conventions check; the value is then used as given.
    const type = variableType(variable.body);
    variables.set(name, type instanceof Error ? value : withDefaults(type, value, (nested) => nested === UNKNOWN));
  }
  return variables;
}

/** Every module instance reachable from every root module. */
export function instantiate(tree: TfTree): Instance[] {
  const instances: Instance[] = [];
  const visit = (instance: Instance): void => {
    instances.push(instance);
    for (const call of instance.module.moduleCalls.values()) {
      const dir = localSourceDir(instance.module.dir, call.body.source);
      const callee = dir ? tree.modules.get(dir) : undefined;
      if (!callee || instance.path.split('.').length > 10) continue;
      visit({
        root: instance.root,
        path: `${instance.path ? `${instance.path}.` : ''}module.${call.name}`,
        module: callee,
        variables: bindVariables(callee, call.body, (value) => evaluate(value, instance)),
      });
    }
  };
  for (const root of rootModules(tree)) {
    const placeholder: Instance = { root: root.dir, path: '', module: root, variables: new Map() };
    visit({
      ...placeholder,
      variables: bindVariables(root, root.exampleVariables, (value) => evaluate(value, placeholder)),
    });
  }
  return instances;
}

/** A resource as seen from one instance: attribute paths evaluate through the instance's bindings. */
export class Subject {
  readonly resource: ResourceBlock;
  readonly instance: Instance;

  constructor(resource: ResourceBlock, instance: Instance) {
    this.resource = resource;
    this.instance = instance;
  }

  get address(): string {
    const local = `${this.resource.kind === 'data' ? 'data.' : ''}${this.resource.type}.${this.resource.name}`;
    return this.instance.path ? `${this.instance.path}.${local}` : local;
  }

  /** `get('vpc_config.endpoint_public_access')`: the first block at each step; undefined when absent. */
  get(path: string): Value {
    let current: unknown = this.resource.body;
    for (const key of path.split('.')) {
      if (Array.isArray(current)) current = current.find(isBody);
      if (!isBody(current) || !(key in current)) return undefined;
      current = current[key];
    }
    return evaluate(current, this.instance);
  }

  /** Nested blocks at a path (inline security group rules, policy statements). */
  blocks(path: string): Body[] {
    let current: Body[] = [this.resource.body];
    for (const key of path.split('.')) current = current.flatMap((body) => blockList(body[key]));
    return current;
  }

  /** Whether any expression of this resource mentions `address` (e.g. aws_vpc.this), i.e. it is attached to it. */
  mentions(address: string): boolean {
    const text = JSON.stringify(this.resource.body);
    return text.includes(`${address}.`) || text.includes(`${address}[`) || text.includes(`${address}}`);
  }

  localAddress(): string {
    return `${this.resource.kind === 'data' ? 'data.' : ''}${this.resource.type}.${this.resource.name}`;
  }

  siblings(type: string, kind: 'resource' | 'data' = 'resource'): Subject[] {
    return this.instance.module.resources
      .filter((resource) => resource.type === type && resource.kind === kind)
      .map((resource) => new Subject(resource, this.instance));
  }
}
