// Property-based bad input, generated from each service's own OpenAPI document: no input may cause a 5xx.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import {
  adminToken,
  startConduit,
  startGateway,
  startOrders,
  startProducts,
  startUsers,
  uniqueNamespace,
} from '../support/apps.ts';
import { REDIS_URL } from '../support/env.ts';
import { SEED_CONDUIT_ARTICLES, SEED_CONDUIT_USERS, SEED_PRODUCTS, SEED_USERS } from '../../tools/db/seed.ts';
import type { App } from '@shipshape/platform/service';

type Schema = {
  type?: string | string[];
  properties?: Record<string, Schema>;
  items?: Schema;
  required?: string[];
  enum?: unknown[];
  const?: unknown;
  anyOf?: Schema[];
  format?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
};
interface Operation {
  parameters?: { in: string; name: string; required?: boolean; schema: Schema }[];
  requestBody?: { content: Record<string, { schema: Schema }> };
}

let db: TestDatabase;
const apps: App[] = [];
const bases: Record<string, string> = {};

before(async () => {
  db = await createTestDatabase({ seed: true });
  const ns = uniqueNamespace();
  const u = await startUsers({ DATABASE_URL: db.url, REDIS_URL, CACHE_NAMESPACE: ns });
  const p = await startProducts({ DATABASE_URL: db.url, REDIS_URL, CACHE_NAMESPACE: ns });
  const o = await startOrders({ DATABASE_URL: db.url, USERS_URL: u.url, PRODUCTS_URL: p.url }, { reconciler: false });
  const c = await startConduit({ DATABASE_URL: db.url, REDIS_URL, CACHE_NAMESPACE: ns });
  // The gateway last: its combined document is fuzzed too, through the proxy.
  const g = await startGateway({
    USERS_URL: u.url,
    PRODUCTS_URL: p.url,
    ORDERS_URL: o.url,
    CONDUIT_URL: c.url,
    REDIS_URL,
    CACHE_NAMESPACE: ns,
  });
  apps.push(u.app, p.app, o.app, c.app, g.app);
  Object.assign(bases, { users: u.url, products: p.url, orders: o.url, conduit: c.url, gateway: g.url });
  const jake = SEED_CONDUIT_USERS[0];
  const login = await fetch(`${c.url}/api/users/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ user: { email: jake.email, password: jake.password } }),
  });
  conduitToken = ((await login.json()) as { user: { token: string } }).user.token;
});
after(async () => {
  await Promise.all(apps.map((a) => a.close()));
  await db.drop();
});

let conduitToken = '';
const knownSlugs = SEED_CONDUIT_ARTICLES.map((a) => a.slug);
const knownUsernames = SEED_CONDUIT_USERS.map((u) => u.username);
/** RealWorld path parameters lean on seeded slugs and usernames too. */
const pathValue = (name: string, s: Schema): fc.Arbitrary<unknown> =>
  name === 'slug'
    ? fc.oneof(fc.constantFrom(...knownSlugs), valid(s))
    : name === 'username'
      ? fc.oneof(fc.constantFrom(...knownUsernames), valid(s))
      : valid(s);

const knownIds = [...SEED_USERS.map((u) => u.id), ...SEED_PRODUCTS.map((p) => p.id)];

/** Values that fit the schema, leaning on real ids so requests get past existence checks. */
function valid(s: Schema): fc.Arbitrary<unknown> {
  if (s.const !== undefined) return fc.constant(s.const);
  if (s.enum) return fc.constantFrom(...s.enum);
  if (s.anyOf) return fc.oneof(...s.anyOf.map(valid));
  const type = Array.isArray(s.type) ? s.type[0] : s.type;
  switch (type) {
    case 'string':
      if (s.format === 'uuid') return fc.oneof(fc.constantFrom(...knownIds), fc.uuid());
      if (s.format === 'email') return fc.emailAddress();
      if (s.pattern === '^[A-Z]{3}$') return fc.constantFrom('USD', 'EUR');
      if (s.pattern) return fc.stringMatching(new RegExp(s.pattern)).filter((x) => x.length <= (s.maxLength ?? 64));
      return fc.string({ minLength: Math.max(1, s.minLength ?? 0), maxLength: Math.min(s.maxLength ?? 40, 40) });
    case 'integer':
      return fc.integer({ min: s.minimum ?? -1e6, max: Math.min(s.maximum ?? 1e6, 1e6) });
    case 'number':
      return fc.double({ noNaN: true });
    case 'boolean':
      return fc.boolean();
    case 'array':
      return fc.array(valid(s.items ?? {}), { maxLength: 4 });
    case 'object': {
      const props = s.properties ?? {};
      return fc.record(Object.fromEntries(Object.entries(props).map(([k, v]) => [k, valid(v)])), {
        requiredKeys: s.required ?? [],
      });
    }
    default:
      return fc.anything();
  }
}

/** Other spellings of a real id: upper case, `urn:uuid:`, braces. */
const idSpelling = fc
  .tuple(fc.oneof(fc.constantFrom(...knownIds), fc.uuid()), fc.constantFrom('upper', 'urn', 'urn-upper', 'braces'))
  .map(([id, how]) =>
    how === 'upper'
      ? id.toUpperCase()
      : how === 'urn'
        ? `urn:uuid:${id}`
        : how === 'braces'
          ? `{${id}}`
          : `URN:UUID:${id}`,
  );
/** Numbers at and beyond the edges, as a query or a JSON string carries them. */
const numericExtreme = fc.constantFrom(
  'Infinity',
  '-Infinity',
  '1e400',
  '-1e400',
  'NaN',
  '-0',
  '1e-400',
  '9007199254740993',
  '0x10',
  '1_000',
);
/** Strings PostgreSQL refuses or would silently change: NUL, other control characters, lone surrogates. */
const nastyString = fc.oneof(
  fc.constantFrom(
    '\u0000',
    'a\u0000b',
    '\u0001',
    '\u0007bell',
    '\u001b[31m',
    '\u007f',
    '\ud800',
    'x\udfffy',
    '\udc00\ud800',
  ),
  fc.string({ unit: 'binary', maxLength: 20 }),
);
/** Tampered cursors: well-formed base64url of impossible dates, out-of-range years, odd ids, extra parts. */
const mutatedCursor = fc
  .tuple(
    fc.oneof(
      fc.constantFrom(
        '2024-02-30T00:00:00.000Z',
        '2024-02-31T25:61:61.000Z',
        '+275760-09-13T00:00:00.000Z',
        '-271821-04-20T00:00:00.000Z',
        '0000-00-00T00:00:00.000Z',
        '99999-01-01',
        '1970-01-01',
        'yesterday',
        '',
      ),
      fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
    ),
    fc.oneof(fc.uuid(), idSpelling, fc.constantFrom('', '-'.repeat(36), 'z'.repeat(36), "'; DROP TABLE x; --")),
    fc.constantFrom('', '|extra', '|'),
  )
  .map(([time, id, tail]) => Buffer.from(`${time}|${id}${tail}`, 'utf8').toString('base64url'));
/** Percent-encodes every UTF-16 unit, lone surrogates included (as WTF-8), which encodeURIComponent refuses. */
function encodeAny(value: string): string {
  let out = '';
  for (const ch of value) {
    const code = ch.charCodeAt(0);
    if (ch.length === 1 && code >= 0xd800 && code <= 0xdfff) {
      out += [0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f)]
        .map((b) => `%${b.toString(16).toUpperCase()}`)
        .join('');
    } else out += encodeURIComponent(ch);
  }
  return out;
}

/** Nested far deeper than any document of this API. */
const deepJson = (depth: number) => `{"a":${'['.repeat(depth)}${']'.repeat(depth)}}`;

/** Anything at all, or a valid value with one field broken: the inputs a careless or hostile client sends. */
function hostile(s: Schema): fc.Arbitrary<unknown> {
  const weird = fc.oneof(
    fc.anything(),
    fc.string({ maxLength: 300 }),
    fc.constantFrom(
      null,
      -1,
      0,
      1e308,
      -1e308,
      '',
      ' ',
      '\u0000',
      'x'.repeat(5000),
      [],
      {},
      true,
      '1; DROP TABLE users.users',
      '../../etc/passwd',
      '🚢'.repeat(100),
    ),
    idSpelling,
    numericExtreme,
    nastyString,
  );
  if ((Array.isArray(s.type) ? s.type[0] : s.type) !== 'object' || !s.properties) return fc.oneof(valid(s), weird);
  const keys = Object.keys(s.properties);
  return fc.oneof(
    weird,
    valid(s),
    fc
      .tuple(valid(s), fc.constantFrom(...keys, '__proto__', 'constructor', 'extra'), weird)
      .map(([obj, key, value]) => {
        const out = JSON.parse(JSON.stringify(obj ?? {})) as Record<string, unknown>;
        Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
        return out;
      }),
  );
}

test('when every documented operation gets generated hostile input, then no response is a 5xx and every error is problem+json (RealWorld errors under /api)', async () => {
  let requests = 0;
  const statuses = new Map<number, number>();
  for (const [service, base] of Object.entries(bases)) {
    const doc = (await (await fetch(`${base}/docs/json`)).json()) as {
      paths: Record<string, Record<string, Operation>>;
    };
    for (const [path, methods] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(methods)) {
        const bodySchema = op.requestBody?.content['application/json']?.schema;
        const params = op.parameters ?? [];
        const arb = fc.record({
          body: bodySchema ? hostile(bodySchema) : fc.constant(undefined),
          path: fc.record(
            Object.fromEntries(
              params
                .filter((p) => p.in === 'path')
                .map((p) => [
                  p.name,
                  fc.oneof(pathValue(p.name, p.schema), fc.string({ maxLength: 60 }), idSpelling, nastyString),
                ]),
            ),
          ),
          query: fc.dictionary(
            fc.constantFrom(...params.filter((p) => p.in === 'query').map((p) => p.name), 'zzz'),
            fc.oneof(
              fc.string({ maxLength: 40 }),
              fc.integer().map(String),
              numericExtreme,
              mutatedCursor,
              idSpelling,
              nastyString,
            ),
            { maxKeys: 3 },
          ),
          key: fc.oneof(
            fc.uuid(),
            fc.string({ minLength: 1, maxLength: 300 }).filter((k) => /^[\x21-\x7e]+$/.test(k)),
            fc.constant(undefined),
          ),
          admin: fc.boolean(),
          rawBody: fc.oneof(
            fc.constant(undefined),
            fc.constantFrom('{', '{"a":', '[]', 'null', '"x"', '{"userId": 1e999}', '{"stock": 1e400}', deepJson(5000)),
          ),
          contentType: fc.constantFrom(
            'application/json',
            'application/json',
            'application/json;',
            'application/json; charset',
            'application/json; charset=utf-8; =',
            'application/json; charset="unterminated',
          ),
        });
        await fc.assert(
          fc.asyncProperty(arb, async (input) => {
            const url = new URL(
              base + path.replace(/\{(\w+)\}/g, (_, n: string) => encodeAny(String(input.path[n] ?? 'x'))),
            );
            url.search = Object.entries(input.query)
              .map(([k, v]) => `${encodeAny(k)}=${encodeAny(v)}`)
              .join('&');
            const headers: Record<string, string> = {};
            const realWorld = url.pathname.startsWith('/api/');
            if (input.admin)
              headers.authorization = realWorld ? `Token ${conduitToken}` : `Bearer ${await adminToken()}`;
            if (input.key) headers['idempotency-key'] = input.key;
            let body: string | undefined;
            if (method !== 'get' && method !== 'delete') {
              body = input.rawBody ?? (input.body === undefined ? undefined : JSON.stringify(input.body));
              if (body !== undefined) headers['content-type'] = input.contentType;
            }
            const res = await fetch(url, { method: method.toUpperCase(), headers, body });
            const text = await res.text();
            requests += 1;
            statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
            assert.ok(
              res.status < 500,
              `${service} ${method.toUpperCase()} ${url.pathname}${url.search} → ${res.status}: ${text.slice(0, 300)}`,
            );
            if (res.status >= 400 && realWorld) {
              // The RealWorld error format, whoever answered (conduit or the gateway in front of it).
              assert.match(res.headers.get('content-type') ?? '', /^application\/json/, `${url.pathname} ${text}`);
              const body = JSON.parse(text) as { errors?: { body?: unknown } };
              assert.ok(
                Array.isArray(body.errors?.body),
                `${method} ${url.pathname} → ${res.status} ${text.slice(0, 100)}`,
              );
            } else if (res.status >= 400)
              assert.match(
                res.headers.get('content-type') ?? '',
                /application\/problem\+json/,
                `${method} ${url.pathname} → ${res.status} ${text.slice(0, 100)}`,
              );
          }),
          { numRuns: 60, seed: Number(process.env.FUZZ_SEED ?? 20261122) },
        );
      }
    }
  }
  console.log(
    `# figure: bad-input fuzzing sent ${requests} requests; statuses ${JSON.stringify(Object.fromEntries([...statuses].sort()))}`,
  );
  assert.ok(requests > 500);
});
