// Assertions that fail with a sentence a reader of the report understands without opening the code.
import { isDeepStrictEqual } from 'node:util';
import type { Reply } from './client.ts';

export class CheckFailure extends Error {
  override name = 'CheckFailure';
}

export function fail(message: string): never {
  throw new CheckFailure(message);
}

export function ensure(condition: unknown, message: string): asserts condition {
  if (!condition) fail(message);
}

const excerpt = (text: string): string => (text.length > 300 ? `${text.slice(0, 300)}…` : text);

export function expectStatus(reply: Reply, ...expected: number[]): void {
  if (!expected.includes(reply.status)) {
    fail(`expected HTTP ${expected.join(' or ')}, got ${reply.status}${reply.text ? `: ${excerpt(reply.text)}` : ''}`);
  }
}

export type Json = Record<string, unknown>;

export function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The reply's body as a JSON object. */
export function jsonObject(reply: Reply): Json {
  if (!isRecord(reply.body)) fail(`expected a JSON object, got ${excerpt(reply.text) || 'an empty body'}`);
  return reply.body;
}

export function stringField(obj: Json, key: string): string {
  const value = obj[key];
  if (typeof value !== 'string' || value.length === 0)
    fail(`expected "${key}" to be a non-empty string, got ${JSON.stringify(value)}`);
  return value;
}

export function integerField(obj: Json, key: string): number {
  const value = obj[key];
  if (typeof value !== 'number' || !Number.isInteger(value))
    fail(`expected "${key}" to be an integer, got ${JSON.stringify(value)}`);
  return value;
}

export function arrayField(obj: Json, key: string): unknown[] {
  const value = obj[key];
  if (!Array.isArray(value)) fail(`expected "${key}" to be an array, got ${JSON.stringify(value)}`);
  return value;
}

export function expectEqual(actual: unknown, expected: unknown, what: string): void {
  if (!isDeepStrictEqual(actual, expected))
    fail(`expected ${what} to be ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
}

/** RFC 9457: problem+json with type, title, status (matching the HTTP status) and detail. */
export function expectProblem(reply: Reply, status: number): Json {
  expectStatus(reply, status);
  const contentType = reply.headers.get('content-type') ?? '';
  ensure(
    contentType.startsWith('application/problem+json'),
    `expected Content-Type application/problem+json, got "${contentType}"`,
  );
  const problem = jsonObject(reply);
  stringField(problem, 'type');
  stringField(problem, 'title');
  expectEqual(problem.status, status, 'the problem "status"');
  ensure(typeof problem.detail === 'string', `expected the problem to have a "detail", got ${excerpt(reply.text)}`);
  return problem;
}
