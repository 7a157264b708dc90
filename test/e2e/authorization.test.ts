// Who may do what, proven route by route: every operation of the gateway's combined OpenAPI document and of each
// service's own document is called as anonymous, as the user who owns the target, as another user and as an admin,
// through the gateway and directly on the service ports. An operation without an expectation here fails the walk.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { startGateway, startOrders, startProducts, startUsers, uniqueNamespace } from '../support/apps.ts';
import { adminToken, userToken } from '../support/auth.ts';
import { call } from '../support/http.ts';
import { REDIS_URL } from '../support/env.ts';
import type { App } from '@shipshape/platform/service';

type Caller = 'anonymous' | 'owner' | 'other' | 'admin';
const CALLERS: readonly Caller[] = ['anonymous', 'owner', 'other', 'admin'];

/** Expected status per caller; `owner` owns the user record or order the path names. */
type Expectation = Record<Caller, number>;
const everyone = (status: number): Expectation => ({ anonymous: status, owner: status, other: status, admin: status });
const adminOnly = (status: number): Expectation => ({ anonymous: 401, owner: 403, other: 403, admin: status });
/** Someone else's record answers 404, as if it did not exist. */
const ownerOrAdmin = (status: number): Expectation => ({ anonymous: 401, owner: status, other: 404, admin: status });
/** Only orders, with its service identity: a user token, even an admin's, is not one. */
const serviceOnly = everyone(401);

/** The table, operation by operation. */
const EXPECTED: Record<string, Expectation> = {
  'GET /': everyone(200),
  // Sign-up: anyone. With a user token the record takes the token subject as its id, so both users already have one.
  'POST /users': { anonymous: 201, owner: 409, other: 409, admin: 201 },
  'GET /users': adminOnly(200),
  'GET /users/{id}': ownerOrAdmin(200),
  'PATCH /users/{id}': ownerOrAdmin(200),
  'DELETE /users/{id}': ownerOrAdmin(204),
  'GET /products': everyone(200),
  'GET /products/{id}': everyone(200),
  'POST /products': adminOnly(201),
  'PATCH /products/{id}': adminOnly(200),
  'DELETE /products/{id}': adminOnly(204),
  // The body names the owner: the owner and an admin may order for them, another user may not.
  'POST /orders': { anonymous: 401, owner: 201, other: 403, admin: 201 },
  'GET /orders': { anonymous: 401, owner: 200, other: 200, admin: 200 },
  'GET /orders/{id}': ownerOrAdmin(200),
  'POST /orders/{id}/cancel': ownerOrAdmin(200),
  'POST /internal/reservations': serviceOnly,
  'POST /internal/reservations/batch': serviceOnly,
  'GET /internal/reservations/unresolved': serviceOnly,
  'POST /internal/reservations/{orderId}/commit': serviceOnly,
  'POST /internal/reservations/commits': serviceOnly,
  'POST /internal/reservations/{orderId}/release': serviceOnly,
  'GET /internal/reservations': serviceOnly,
  'POST /internal/users/existing': serviceOnly,
};

let db: TestDatabase;
const apps: App[] = [];
const bases: Record<'gateway' | 'users' | 'products' | 'orders', string> = {
  gateway: '',
  users: '',
  products: '',
  orders: '',
};
let admin: string;
let productId: string;
const other = { id: randomUUID(), token: '' };

before(async () => {
  db = await createTestDatabase();
  const ns = uniqueNamespace();
  const u = await startUsers({ DATABASE_URL: db.url, REDIS_URL, CACHE_NAMESPACE: ns });
  const p = await startProducts({ DATABASE_URL: db.url, REDIS_URL, CACHE_NAMESPACE: ns });
  const o = await startOrders({ DATABASE_URL: db.url, USERS_URL: u.url, PRODUCTS_URL: p.url }, { reconciler: false });
  const g = await startGateway({
    USERS_URL: u.url,
    PRODUCTS_URL: p.url,
    ORDERS_URL: o.url,
    REDIS_URL,
    CACHE_NAMESPACE: ns,
  });
  apps.push(u.app, p.app, o.app, g.app);
  Object.assign(bases, { users: u.url, products: p.url, orders: o.url, gateway: g.url });
  admin = await adminToken();
  const product = await call(`${bases.products}/products`, {
    body: { sku: `AUTHZ-${randomUUID().slice(0, 8)}`, name: 'Walk', priceCents: 100, currency: 'EUR', stock: 100000 },
    headers: { authorization: `Bearer ${admin}` },
  });
  assert.equal(product.status, 201, product.text);
  productId = product.body.id;
  other.token = await userToken(other.id);
  await signUp(other.id, other.token);
});
after(async () => {
  await Promise.all(apps.map((a) => a.close()));
  await db.drop();
});

async function signUp(id: string, token: string): Promise<void> {
  const res = await call(`${bases.users}/users`, {
    body: { name: 'Walker', email: `walk-${randomUUID()}@example.com` },
    headers: { authorization: `Bearer ${token}` },
  });
  assert.equal(res.status, 201, res.text);
  assert.equal(res.body.id, id, 'the record takes the token subject as its id');
}

/** A fresh owner with a record and a confirmed order, and a fresh product, so destructive calls never collide. */
async function fixtures() {
  const id = randomUUID();
  const token = await userToken(id);
  await signUp(id, token);
  const order = await call(`${bases.orders}/orders`, {
    body: { items: [{ productId, quantity: 1 }] },
    headers: { authorization: `Bearer ${token}`, 'idempotency-key': randomUUID() },
  });
  assert.equal(order.status, 201, order.text);
  const product = await call(`${bases.products}/products`, {
    body: { sku: `AUTHZ-${randomUUID().slice(0, 8)}`, name: 'Target', priceCents: 100, currency: 'EUR', stock: 5 },
    headers: { authorization: `Bearer ${admin}` },
  });
  return { owner: { id, token }, orderId: order.body.id as string, targetProductId: product.body.id as string };
}

function requestFor(key: string, f: Awaited<ReturnType<typeof fixtures>>): { path: string; body?: unknown } {
  const [, template = ''] = key.split(' ');
  const path = template
    .replace(
      '{id}',
      template.startsWith('/users') ? f.owner.id : template.startsWith('/orders') ? f.orderId : f.targetProductId,
    )
    .replace('{orderId}', f.orderId);
  switch (key) {
    case 'POST /users':
      return { path, body: { name: 'New', email: `new-${randomUUID()}@example.com` } };
    case 'PATCH /users/{id}':
      return { path, body: { name: 'Renamed' } };
    case 'POST /products':
      return {
        path,
        body: { sku: `NEW-${randomUUID().slice(0, 8)}`, name: 'New', priceCents: 1, currency: 'EUR', stock: 1 },
      };
    case 'PATCH /products/{id}':
      return { path, body: { stock: 7 } };
    case 'POST /orders':
      return { path, body: { userId: f.owner.id, items: [{ productId, quantity: 1 }] } };
    case 'POST /internal/reservations':
      return { path, body: { orderId: randomUUID(), items: [{ productId, quantity: 1 }] } };
    case 'POST /internal/reservations/batch':
      return { path, body: { reservations: [{ orderId: randomUUID(), items: [{ productId, quantity: 1 }] }] } };
    case 'POST /internal/users/existing':
      return { path, body: { ids: [f.owner.id] } };
    default:
      return { path };
  }
}

async function operations(base: string): Promise<string[]> {
  const doc = await call(`${base}/docs/json`);
  assert.equal(doc.status, 200);
  const paths = doc.body.paths as Record<string, Record<string, unknown>>;
  return Object.entries(paths)
    .flatMap(([path, ops]) =>
      Object.keys(ops)
        .filter((m) => ['get', 'post', 'put', 'patch', 'delete'].includes(m))
        .map((m) => `${m.toUpperCase()} ${path}`),
    )
    .sort();
}

let checks = 0;

async function walk(target: keyof typeof bases): Promise<string[]> {
  // The RealWorld API (/api/*, conduit) keeps its own Token scheme and answers in its own format; its tests cover it.
  const ops = (await operations(bases[target])).filter((op) => !op.split(' ')[1]?.startsWith('/api/'));
  const undeclared = ops.filter((op) => !EXPECTED[op]);
  assert.deepEqual(undeclared, [], `${target}: operations without an expected policy (declare and add them)`);
  const wrong: string[] = [];
  for (const op of ops) {
    for (const caller of CALLERS) {
      const f = await fixtures();
      const { path, body } = requestFor(op, f);
      const token = { anonymous: undefined, owner: f.owner.token, other: other.token, admin }[caller];
      const headers: Record<string, string> = {};
      if (token) headers.authorization = `Bearer ${token}`;
      if (op === 'POST /orders') headers['idempotency-key'] = randomUUID();
      const [method = 'GET'] = op.split(' ');
      const res = await call(bases[target] + path, { method, body, headers });
      checks += 1;
      const expected = (EXPECTED[op] as Expectation)[caller];
      if (res.status !== expected) wrong.push(`${target} ${op} as ${caller}: ${res.status}, expected ${expected}`);
      if (res.status === 401 || res.status === 403 || res.status === 404)
        assert.match(res.headers.get('content-type') ?? '', /application\/problem\+json/, `${op} as ${caller}`);
      if (res.status === 401) assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer/, `${op} as ${caller}`);
    }
  }
  assert.deepEqual(wrong, []);
  return ops;
}

describe('every route, as every kind of caller', () => {
  test('when the gateway’s combined document is walked, then each answer matches the table', async () => {
    const ops = await walk('gateway');
    assert.ok(ops.includes('POST /orders') && ops.includes('GET /users') && !ops.some((o) => o.includes('/internal')));
  });

  for (const service of ['users', 'products', 'orders'] as const) {
    test(`when ${service}’ own document is walked on its port, then it decides the same by itself`, async () => {
      const ops = await walk(service);
      assert.ok(ops.length > 0);
    });
  }

  after(() => console.log(`# figure: authorization walk: ${checks} route × caller checks`));
});

describe('what is whose', () => {
  test('when users list orders, then each sees only their own; an admin may filter by anyone', async () => {
    const a = await fixtures();
    const auth = (t: string) => ({ authorization: `Bearer ${t}` });
    const mine = await call(`${bases.gateway}/orders?limit=100`, { headers: auth(a.owner.token) });
    assert.deepEqual(
      mine.body.items.map((o: { id: string; userId: string }) => [o.id, o.userId]),
      [[a.orderId, a.owner.id]],
    );
    const theirs = await call(`${bases.gateway}/orders?limit=100`, { headers: auth(other.token) });
    assert.ok(!theirs.body.items.some((o: { id: string }) => o.id === a.orderId));
    const asked = await call(`${bases.gateway}/orders?userId=${a.owner.id}`, { headers: auth(other.token) });
    assert.equal(asked.status, 403);
    const byAdmin = await call(`${bases.gateway}/orders?userId=${a.owner.id}`, { headers: auth(admin) });
    assert.deepEqual(
      byAdmin.body.items.map((o: { id: string }) => o.id),
      [a.orderId],
    );
  });

  test('when two users send the same Idempotency-Key, then each gets their own order, and a replay only their own', async () => {
    const a = await fixtures();
    const key = randomUUID();
    const place = (token: string) =>
      call(`${bases.gateway}/orders`, {
        body: { items: [{ productId, quantity: 1 }] },
        headers: { authorization: `Bearer ${token}`, 'idempotency-key': key },
      });
    const first = await place(a.owner.token);
    const second = await place(other.token);
    assert.deepEqual([first.status, second.status], [201, 201]);
    assert.notEqual(first.body.id, second.body.id);
    assert.equal(second.body.userId, other.id);
    assert.equal(second.headers.get('idempotent-replayed'), null, 'not a replay of the other user’s order');
    const replay = await place(a.owner.token);
    assert.equal(replay.body.id, first.body.id);
    assert.equal(replay.headers.get('idempotent-replayed'), 'true');
  });

  test('when a token’s subject is not a UUID (another issuer’s ids), then it names no record: orders are refused, lists are empty', async () => {
    const token = await userToken('auth0|5f7c8ec7c33c6c004bbafe82');
    const auth = { authorization: `Bearer ${token}` };
    const order = await call(`${bases.gateway}/orders`, {
      body: { items: [{ productId, quantity: 1 }] },
      headers: { ...auth, 'idempotency-key': randomUUID() },
    });
    assert.equal(order.status, 422);
    assert.equal((await call(`${bases.gateway}/orders`, { headers: auth })).body.items.length, 0);
    const signUp = await call(`${bases.gateway}/users`, {
      body: { name: 'X', email: `x-${randomUUID()}@example.com` },
      headers: auth,
    });
    assert.equal(signUp.status, 422);
  });
});
