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

/** A bad value found under a value: what is wrong, and the keys that lead to it (filled in on the way back up). */
interface Found {
  message: string;
  keys: (string | number)[];
}

/**
 * The first bad value under `value`. It runs on every request, so a value that is fine costs no allocation: the
 * field path is only made for a bad value.
 */
function badIn(value: unknown, depth: number): Found | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : found('must be a finite number');
  if (typeof value === 'string') {
    if (!value.isWellFormed()) return found('must not contain unpaired surrogates');
    if (CONTROL.test(value)) return found('must not contain control characters');
    return undefined;
  }
  if (value === null || typeof value !== 'object') return undefined;
  if (depth >= MAX_DEPTH) return found(`must not nest deeper than ${MAX_DEPTH} levels`);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const bad = badIn(value[i], depth + 1);
      if (bad) return within(bad, i);
    }
    return undefined;
  }
  const record = value as Record<string, unknown>;
  for (const key in record) {
    if (!Object.hasOwn(record, key)) continue;
    const bad = badIn(key, depth + 1) ?? badIn(record[key], depth + 1);
    if (bad) return within(bad, key);
  }
  return undefined;
}

const found = (message: string): Found => ({ message, keys: [] });
const within = (bad: Found, key: string | number): Found => {
  bad.keys.unshift(key);
  return bad;
};

/** The first value under `value` that must not be accepted, with its field path (`body.items.0.productId`). */
export function findBadValue(value: unknown, path: string, depth = 0): BadValue | undefined {
  const bad = badIn(value, depth);
  return bad && { field: [path, ...bad.keys].join('.'), message: bad.message };
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
