// Property-based bad input, generated from each service's own OpenAPI document: no input may cause a 5xx.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { adminToken, startGateway, startOrders, startProducts, startUsers, uniqueNamespace } from '../support/apps.ts';
import { REDIS_URL } from '../support/env.ts';
import { SEED_PRODUCTS, SEED_USERS } from '../../tools/db/seed.ts';
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
  // The gateway last: its combined document is fuzzed too, through the proxy.
  const g = await startGateway({
    USERS_URL: u.url,
    PRODUCTS_URL: p.url,
    ORDERS_URL: o.url,
    REDIS_URL,
    CACHE_NAMESPACE: ns,
  });
  apps.push(u.app, p.app, o.app, g.app);
  Object.assign(bases, { users: u.url, products: p.url, orders: o.url, gateway: g.url });
});
after(async () => {
  await Promise.all(apps.map((a) => a.close()));
  await db.drop();
});

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

test('when every documented operation gets generated hostile input, then no response is a 5xx and every error is problem+json', async () => {
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
                .map((p) => [p.name, fc.oneof(valid(p.schema), fc.string({ maxLength: 60 }))]),
            ),
          ),
          query: fc.dictionary(
            fc.constantFrom(...params.filter((p) => p.in === 'query').map((p) => p.name), 'zzz'),
            fc.oneof(fc.string({ maxLength: 40 }), fc.integer().map(String)),
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
            fc.constantFrom('{', '{"a":', '[]', 'null', '"x"', '{"userId": 1e999}'),
          ),
        });
        await fc.assert(
          fc.asyncProperty(arb, async (input) => {
            const url = new URL(
              base + path.replace(/\{(\w+)\}/g, (_, n: string) => encodeURIComponent(String(input.path[n] ?? 'x'))),
            );
            for (const [k, v] of Object.entries(input.query)) url.searchParams.set(k, v);
            const headers: Record<string, string> = {};
            if (input.admin) headers.authorization = `Bearer ${adminToken()}`;
            if (input.key) headers['idempotency-key'] = input.key;
            let body: string | undefined;
            if (method !== 'get' && method !== 'delete') {
              body = input.rawBody ?? (input.body === undefined ? undefined : JSON.stringify(input.body));
              if (body !== undefined) headers['content-type'] = 'application/json';
            }
            const res = await fetch(url, { method: method.toUpperCase(), headers, body });
            const text = await res.text();
            requests += 1;
            statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
            assert.ok(
              res.status < 500,
              `${service} ${method.toUpperCase()} ${url.pathname}${url.search} → ${res.status}: ${text.slice(0, 300)}`,
            );
            if (res.status >= 400)
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
