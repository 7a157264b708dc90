// Variable type constraints (`object({ size = optional(number, 1) })`), read far enough to do what Terraform does
// with them before a module sees a value: fill in optional attributes that are left out or null (with their default,
// else null), and drop attributes the type does not declare. The problems Terraform would reject a literal value
// for, or silently drop part of it for, are reported by `typeProblems`.
import { didYouMean } from './finding.ts';
import { isBody, type Body } from './model.ts';

export type TypeConstraint =
  | { kind: 'any' }
  | { kind: 'string' | 'number' | 'bool' }
  | { kind: 'list' | 'set' | 'map'; element: TypeConstraint }
  | { kind: 'tuple'; elements: TypeConstraint[] }
  | { kind: 'object'; attributes: Map<string, Attribute> };

export interface Attribute {
  type: TypeConstraint;
  optional: boolean;
  /** The default of optional(type, default), a literal; absent means null. */
  default?: unknown;
}

type Token = { kind: 'name' | 'string' | 'number' | 'punctuation'; text: string; value?: unknown };

const TOKEN =
  /\s+|#[^\n]*|\/\/[^\n]*|\/\*[\s\S]*?\*\/|(?<name>[A-Za-z_][A-Za-z0-9_-]*)|(?<number>\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)|(?<string>"(?:[^"\\\n]|\\.)*")|(?<punctuation>[(){}[\]=:,-])/y;

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < text.length) {
    const at = TOKEN.lastIndex;
    const match = TOKEN.exec(text);
    if (!match) throw new Error(`unexpected ${JSON.stringify(text.slice(at, at + 12))}`);
    const groups = match.groups ?? {};
    if (groups.name !== undefined) tokens.push({ kind: 'name', text: groups.name });
    else if (groups.number !== undefined)
      tokens.push({ kind: 'number', text: groups.number, value: Number(groups.number) });
    else if (groups.punctuation !== undefined) tokens.push({ kind: 'punctuation', text: groups.punctuation });
    else if (groups.string !== undefined) {
      const raw = groups.string;
      // Defaults are constants: Terraform evaluates them without variables or functions, so no interpolation.
      if (/(?<!\$)\$\{|(?<!%)%\{/.test(raw)) throw new Error(`a default may not interpolate: ${raw}`);
      tokens.push({
        kind: 'string',
        text: raw,
        value: JSON.parse(raw.replaceAll('$${', '${').replaceAll('%%{', '%{')) as string,
      });
    }
  }
  return tokens;
}

class Parser {
  private readonly tokens: Token[];
  private position = 0;

  constructor(text: string) {
    this.tokens = tokenize(text);
  }

  done(): boolean {
    return this.position >= this.tokens.length;
  }

  private peek(): Token | undefined {
    return this.tokens[this.position];
  }

  private next(): Token {
    const token = this.tokens[this.position++];
    if (!token) throw new Error('unexpected end');
    return token;
  }

  private accept(text: string): boolean {
    if (this.peek()?.text !== text || this.peek()?.kind === 'string') return false;
    this.position++;
    return true;
  }

  private expect(text: string): void {
    const token = this.next();
    if (token.text !== text || token.kind === 'string')
      throw new Error(`expected "${text}", found ${JSON.stringify(token.text)}`);
  }

  /** A key of an object type or literal: a name or a quoted string. */
  private key(): string {
    const token = this.next();
    if (token.kind === 'name') return token.text;
    if (token.kind === 'string') return String(token.value);
    throw new Error(`expected an attribute name, found ${JSON.stringify(token.text)}`);
  }

  type(): TypeConstraint {
    const token = this.next();
    if (token.kind !== 'name') throw new Error(`expected a type, found ${JSON.stringify(token.text)}`);
    switch (token.text) {
      case 'any':
      case 'string':
      case 'number':
      case 'bool':
        return { kind: token.text };
      case 'list':
      case 'set':
      case 'map': {
        if (!this.accept('(')) return { kind: token.text, element: { kind: 'any' } };
        const element = this.type();
        this.expect(')');
        return { kind: token.text, element };
      }
      case 'tuple': {
        this.expect('(');
        this.expect('[');
        const elements: TypeConstraint[] = [];
        while (!this.accept(']')) {
          elements.push(this.type());
          this.accept(',');
        }
        this.expect(')');
        return { kind: 'tuple', elements };
      }
      case 'object': {
        this.expect('(');
        this.expect('{');
        const attributes = new Map<string, Attribute>();
        while (!this.accept('}')) {
          const name = this.key();
          this.expect('=');
          attributes.set(name, this.attribute());
          this.accept(',');
        }
        this.expect(')');
        return { kind: 'object', attributes };
      }
      default:
        throw new Error(`unknown type "${token.text}"`);
    }
  }

  private attribute(): Attribute {
    if (this.peek()?.text !== 'optional' || this.tokens[this.position + 1]?.text !== '(')
      return { type: this.type(), optional: false };
    this.position += 2;
    const type = this.type();
    const attribute: Attribute = { type, optional: true };
    if (this.accept(',')) attribute.default = this.literal();
    this.expect(')');
    return attribute;
  }

  literal(): unknown {
    const token = this.next();
    if (token.kind === 'string' || token.kind === 'number') return token.value;
    if (token.kind === 'name') {
      if (token.text === 'true') return true;
      if (token.text === 'false') return false;
      if (token.text === 'null') return null;
      throw new Error(`a default must be a literal value, found ${JSON.stringify(token.text)}`);
    }
    if (token.text === '-') {
      const number = this.next();
      if (number.kind !== 'number') throw new Error('expected a number after "-"');
      return -(number.value as number);
    }
    if (token.text === '[') {
      const elements: unknown[] = [];
      while (!this.accept(']')) {
        elements.push(this.literal());
        this.accept(',');
      }
      return elements;
    }
    if (token.text === '{') {
      const body: Body = {};
      while (!this.accept('}')) {
        const name = this.key();
        if (!this.accept('=')) this.expect(':');
        body[name] = this.literal();
        this.accept(',');
      }
      return body;
    }
    throw new Error(`unexpected ${JSON.stringify(token.text)}`);
  }
}

/** hcl2json gives a type as the expression's text, `${object({ ... })}`. */
export function parseTypeConstraint(text: string): TypeConstraint {
  const expression = /^\$\{([\s\S]*)\}$/.exec(text)?.[1] ?? text;
  const parser = new Parser(expression);
  const type = parser.type();
  if (!parser.done()) throw new Error('unexpected text after the type');
  return type;
}

const parsed = new Map<string, TypeConstraint | Error>();

/** The variable's type constraint; `any` when it has none; an Error when it cannot be read. */
export function variableType(variable: Body): TypeConstraint | Error {
  const text = variable.type;
  if (typeof text !== 'string') return { kind: 'any' };
  let type = parsed.get(text);
  if (!type) {
    try {
      type = parseTypeConstraint(text);
    } catch (error) {
      type = error instanceof Error ? error : new Error(String(error));
    }
    parsed.set(text, type);
  }
  return type;
}

/**
 * The value as the module sees it: optional attributes left out or null get their default (with the defaults of
 * its own type applied) or null, attributes the object type does not declare are dropped. `opaque` values (not
 * known statically) are returned as they are.
 */
export function withDefaults(type: TypeConstraint, value: unknown, opaque: (value: unknown) => boolean): unknown {
  if (value === null || value === undefined || opaque(value)) return value;
  switch (type.kind) {
    case 'object': {
      if (!isBody(value)) return value;
      const result: Body = {};
      for (const [name, attribute] of type.attributes) {
        const given = value[name];
        if (given !== undefined && given !== null) result[name] = withDefaults(attribute.type, given, opaque);
        else if (attribute.optional)
          result[name] =
            attribute.default === undefined || attribute.default === null
              ? null
              : withDefaults(attribute.type, attribute.default, opaque);
        else if (given === null) result[name] = null;
      }
      return result;
    }
    case 'list':
    case 'set':
      return Array.isArray(value) ? value.map((element) => withDefaults(type.element, element, opaque)) : value;
    case 'map':
      return isBody(value)
        ? Object.fromEntries(
            Object.entries(value).map(([key, element]) => [key, withDefaults(type.element, element, opaque)]),
          )
        : value;
    case 'tuple':
      return Array.isArray(value)
        ? value.map((element, index) =>
            type.elements[index] ? withDefaults(type.elements[index], element, opaque) : element,
          )
        : value;
    default:
      return value;
  }
}

/**
 * What Terraform would refuse in a value written out literally (a required attribute missing) and what it would
 * silently drop (an attribute the type does not declare, usually a misspelling that leaves the default in force).
 * Expressions (`${...}`) are not looked into.
 */
export function typeProblems(type: TypeConstraint, value: unknown, path: string, where: string): string[] {
  if (typeof value === 'string' && value.includes('${')) return [];
  switch (type.kind) {
    case 'object': {
      if (!isBody(value)) return [];
      const problems: string[] = [];
      for (const name of Object.keys(value)) {
        if (type.attributes.has(name) || name.includes('${')) continue;
        problems.push(
          `${path}.${name} is not in ${where}, so Terraform drops it silently${didYouMean(name, type.attributes.keys())}`,
        );
      }
      for (const [name, attribute] of type.attributes) {
        if (name in value) problems.push(...typeProblems(attribute.type, value[name], `${path}.${name}`, where));
        else if (!attribute.optional) problems.push(`${path}.${name} is required by ${where}`);
      }
      return problems;
    }
    case 'list':
    case 'set':
      return Array.isArray(value)
        ? value.flatMap((element, index) => typeProblems(type.element, element, `${path}[${index}]`, where))
        : [];
    case 'map':
      return isBody(value)
        ? Object.entries(value).flatMap(([key, element]) =>
            typeProblems(type.element, element, `${path}.${key}`, where),
          )
        : [];
    case 'tuple':
      return Array.isArray(value)
        ? value.flatMap((element, index) =>
            type.elements[index] ? typeProblems(type.elements[index], element, `${path}[${index}]`, where) : [],
          )
        : [];
    default:
      return [];
  }
}
