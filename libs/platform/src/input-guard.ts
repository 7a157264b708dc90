// What schema validation lets through but no service should store or compute with: numbers coerced to infinities
// ("Infinity", "1e400" in a query or body), control characters (PostgreSQL refuses NUL outright) and lone
// surrogates (silently replaced when stored). Checked after validation on every route; the answer names the field.
import { Problem } from './errors.ts';

// C0 controls and DEL, except tab, line feed and carriage return.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is what this does
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;
const MAX_DEPTH = 32;

export interface BadValue {
  field: string;
  message: string;
}

/** The first value under `value` that must not be accepted, with its field path (`body.items.0.productId`). */
export function findBadValue(value: unknown, path: string, depth = 0): BadValue | undefined {
  if (typeof value === 'number')
    return Number.isFinite(value) ? undefined : { field: path, message: 'must be a finite number' };
  if (typeof value === 'string') {
    if (!value.isWellFormed()) return { field: path, message: 'must not contain unpaired surrogates' };
    if (CONTROL.test(value)) return { field: path, message: 'must not contain control characters' };
    return undefined;
  }
  if (value === null || typeof value !== 'object') return undefined;
  if (depth >= MAX_DEPTH) return { field: path, message: `must not nest deeper than ${MAX_DEPTH} levels` };
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) {
      const bad = findBadValue(item, `${path}.${i}`, depth + 1);
      if (bad) return bad;
    }
    return undefined;
  }
  for (const [key, item] of Object.entries(value)) {
    const bad = findBadValue(key, `${path}.${key}`, depth + 1) ?? findBadValue(item, `${path}.${key}`, depth + 1);
    if (bad) return bad;
  }
  return undefined;
}

/** A 400 problem for the first bad value of a request's params, query or body; undefined when all are fine. */
export function badInputProblem(request: { params: unknown; query: unknown; body: unknown }): Problem | undefined {
  const bad =
    findBadValue(request.params, 'params') ??
    findBadValue(request.query, 'querystring') ??
    // A body that is still text is one the gateway relays as received; the service that parses it checks it.
    (typeof request.body === 'object' ? findBadValue(request.body, 'body') : undefined);
  if (!bad) return undefined;
  return new Problem(400, 'validation-error', 'Bad Request', `request is invalid: ${bad.field} ${bad.message}`, {
    errors: [bad],
  });
}
