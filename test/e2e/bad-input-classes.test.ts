// Every class of bad input the adversarial review turned into a 500, kept as a regression test: each is a 400
// problem+json naming the field, on the service and through the gateway. And the errors Fastify and Node answer on
// their own are problem+json too, with a request id and the security headers, never echoing the request.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { adminToken, startGateway, startOrders, startProducts, startUsers, uniqueNamespace } from '../support/apps.ts';
// These tests are about input, not identity: every request carries an admin token.
import { adminCall as call } from '../support/auth.ts';
import { REDIS_URL } from '../support/env.ts';
import type { App } from '@shipshape/platform/service';

let db: TestDatabase;
const apps: App[] = [];
const url: Record<'users' | 'products' | 'orders' | 'gateway', string> = {
  users: '',
  products: '',
  orders: '',
  gateway: '',
};
let productId: string;
let userId: string;

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
  Object.assign(url, { users: u.url, products: p.url, orders: o.url, gateway: g.url });
  productId = (
    await call(`${p.url}/products`, {
      body: { sku: `BAD-${randomUUID().slice(0, 6)}`, name: 'x', priceCents: 100, currency: 'EUR', stock: 5 },
      headers: { authorization: `Bearer ${await adminToken()}` },
    })
  ).body.id;
  userId = (await call(`${u.url}/users`, { body: { name: 'x', email: `bad-${randomUUID()}@example.com` } })).body.id;
});
after(async () => {
  for (const a of [...apps].reverse()) await a.close();
  await db.drop();
});

const cursor = (text: string) => Buffer.from(text, 'utf8').toString('base64url');
const uuid = '0b9f3d2e-7c1a-4e5b-8d6f-1a2b3c4d5e6f';

/** Sends it to the service and through the gateway; both must answer 400 problem+json naming `field`. */
async function expect400(
  service: 'users' | 'products' | 'orders',
  path: string,
  field: string,
  init: { method?: string; body?: unknown; raw?: string; headers?: Record<string, string> } = {},
) {
  for (const base of [url[service], url.gateway]) {
    const headers = { 'idempotency-key': randomUUID(), ...init.headers };
    const res = await call(`${base}${path}`, { ...init, headers });
    assert.equal(res.status, 400, `${base === url.gateway ? 'gateway' : service} ${path}: ${res.text.slice(0, 200)}`);
    assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/);
    const fields = (res.body.errors as { field: string }[]).map((e) => e.field);
    assert.ok(fields.includes(field), `${path}: fields ${fields.join(', ')}, expected ${field}`);
  }
}

describe('tampered but well-formed cursors on every list endpoint', () => {
  const cases = {
    'an impossible date': cursor(`2024-02-30T00:00:00.000Z|${uuid}`),
    'an impossible time': cursor(`2024-02-01T25:61:00.000Z|${uuid}`),
    'an out-of-range year': cursor(`+275760-09-13T00:00:00.000Z|${uuid}`),
    'a five-digit year': cursor(`99999-01-01|${uuid}`),
    'a non-UUID id': cursor('2024-01-01T00:00:00.000Z|zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz'),
    'an upper-case id': cursor(`2024-01-01T00:00:00.000Z|${uuid.toUpperCase()}`),
    'an extra part': cursor(`2024-01-01T00:00:00.000Z|${uuid}|x`),
  };
  for (const [what, value] of Object.entries(cases)) {
    test(`when a cursor carries ${what}, then 400 names querystring.cursor`, async () => {
      await expect400('users', `/users?cursor=${value}`, 'querystring.cursor');
      await expect400('products', `/products?cursor=${value}`, 'querystring.cursor');
      await expect400('orders', `/orders?cursor=${value}`, 'querystring.cursor');
    });
  }
});

describe('numeric extremes', () => {
  for (const value of ['Infinity', '-Infinity', '1e400']) {
    test(`when limit=${value}, then 400 names querystring.limit`, async () => {
      await expect400('users', `/users?limit=${value}`, 'querystring.limit');
      await expect400('products', `/products?limit=${value}`, 'querystring.limit');
      await expect400('orders', `/orders?limit=${value}`, 'querystring.limit');
    });
  }
  test('when an admin sends "Infinity" as stock or price, then 400 names the field', async () => {
    const headers = { authorization: `Bearer ${await adminToken()}` };
    const product = { sku: `INF-${randomUUID().slice(0, 6)}`, name: 'x', priceCents: 1, currency: 'EUR', stock: 1 };
    await expect400('products', '/products', 'body.stock', { body: { ...product, stock: 'Infinity' }, headers });
    await expect400('products', '/products', 'body.priceCents', {
      body: { ...product, priceCents: 'Infinity' },
      headers,
    });
    await expect400('products', `/products/${productId}`, 'body.stock', {
      method: 'PATCH',
      body: { stock: 'Infinity' },
      headers,
    });
    await expect400('products', '/products', 'body.stock', {
      raw: JSON.stringify(product).replace('"stock":1', '"stock":1e400'),
      headers: { ...headers, 'content-type': 'application/json' },
    });
  });
});

describe('other spellings of ids', () => {
  test('when an id in a path is upper case or a urn:uuid:, then 400 names params.id', async () => {
    for (const id of [productId.toUpperCase(), `urn:uuid:${productId}`]) {
      await expect400('products', `/products/${id}`, 'params.id');
      await expect400('orders', `/orders/${id}`, 'params.id');
      await expect400('users', `/users/${id}`, 'params.id');
    }
  });
  test('when an id in a query or a body is upper case or a urn:uuid:, then 400 names it', async () => {
    await expect400('orders', `/orders?userId=urn:uuid:${userId}`, 'querystring.userId');
    await expect400('orders', `/orders?userId=${userId.toUpperCase()}`, 'querystring.userId');
    await expect400('orders', '/orders', 'body.userId', {
      body: { userId: `urn:uuid:${userId}`, items: [{ productId, quantity: 1 }] },
    });
  });
  test('when an order repeats a product in upper case, then 400 names the item (no TypeError)', async () => {
    await expect400('orders', '/orders', 'body.items.1.productId', {
      body: {
        userId,
        items: [
          { productId, quantity: 1 },
          { productId: productId.toUpperCase(), quantity: 1 },
        ],
      },
    });
  });
});

describe('control characters and lone surrogates', () => {
  for (const [what, value] of Object.entries({
    NUL: 'a\u0000b',
    'a bell': 'a\u0007b',
    'an escape': '\u001b[31mred',
    DEL: 'x\u007f',
    'a lone high surrogate': 'a\ud800b',
    'a lone low surrogate': 'a\udc00',
  })) {
    test(`when a string carries ${what}, then 400 names the field and nothing is stored`, async () => {
      await expect400('users', '/users', 'body.name', {
        body: { name: value, email: `c-${randomUUID()}@example.com` },
      });
      await expect400('products', `/products/${productId}`, 'body.name', {
        method: 'PATCH',
        body: { name: value },
        headers: { authorization: `Bearer ${await adminToken()}` },
      });
    });
  }
  test('when a query value carries NUL, then 400 names it', async () => {
    await expect400('products', '/products?cursor=%00', 'querystring.cursor');
  });
});

describe('at the gateway', () => {
  test('when JSON is nested 5,000 deep, then 400 names the body and no service is called', async () => {
    const deep = `{"name":"x","email":"deep@example.com","x":${'['.repeat(5000)}${']'.repeat(5000)}}`;
    const res = await call(`${url.gateway}/users`, { raw: deep, headers: { 'content-type': 'application/json' } });
    assert.equal(res.status, 400, res.text);
    assert.equal(res.body.errors[0].field, 'body');
  });
  for (const contentType of ['application/json;', 'application/json; charset', 'application/json; charset=utf-8; =']) {
    test(`when Content-Type is "${contentType}", then 400 names headers.content-type`, async () => {
      const res = await call(`${url.gateway}/users`, {
        raw: JSON.stringify({ name: 'x', email: 'ct@example.com' }),
        headers: { 'content-type': contentType },
      });
      assert.equal(res.status, 400, res.text);
      assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/);
      assert.equal(res.body.errors[0].field, 'headers.content-type');
    });
  }
  test('when a valid JSON body is sent, then the service receives it exactly as sent', async () => {
    const email = `exact-${randomUUID()}@example.com`;
    const res = await call(`${url.gateway}/users`, {
      raw: `{ "name" : "Exact\\u00e9" ,\n "email": "${email}" }`,
      headers: { 'content-type': 'application/json; charset=utf-8' },
    });
    assert.equal(res.status, 201, res.text);
    assert.equal(res.body.name, 'Exacté');
  });
});

/** Writes raw bytes to a server and returns the raw answer. */
function rawRequest(base: string, text: string): Promise<string> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.write(text));
    let out = '';
    socket.on('data', (d) => {
      out += d.toString('utf8');
    });
    socket.on('end', () => resolve(out));
    socket.on('close', () => resolve(out));
    socket.on('error', reject);
  });
}

describe("Fastify's and Node's own errors", () => {
  const assertProblem = (head: string, status: number) => {
    assert.match(head, new RegExp(`^HTTP/1.1 ${status} `));
    assert.match(head, /content-type: application\/problem\+json/i);
    assert.match(head, /x-request-id: \S+/i);
    assert.match(head, /x-content-type-options: nosniff/i);
    assert.match(head, /strict-transport-security: max-age=\d+/i);
  };
  for (const name of ['gateway', 'users', 'products', 'orders'] as const) {
    test(`when ${name} gets a URL that does not decode, then 400 problem+json with a request id and security headers`, async () => {
      const res = await fetch(`${url[name]}/users/%ED%A0%80`);
      assert.equal(res.status, 400);
      assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/);
      assert.ok(res.headers.get('x-request-id'));
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
      const body = await res.json();
      assert.equal(body.status, 400);
      assert.doesNotMatch(JSON.stringify(body), /%ED/);
    });
    test(`when ${name} gets a 15 KB path, then the answer does not echo it`, async () => {
      const long = 'a'.repeat(15_000);
      const res = await fetch(`${url[name]}/products/${long}`);
      assert.ok(res.status === 400 || res.status === 404 || res.status === 414, String(res.status));
      assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/);
      const text = await res.text();
      assert.ok(text.length < 1000, `answer of ${text.length} characters`);
      assert.ok(res.headers.get('x-request-id'));
    });
    test(`when ${name} gets headers over the size limit or garbage instead of HTTP, then 431 / 400 problem+json`, async () => {
      const { host } = new URL(url[name]);
      const big = await rawRequest(
        url[name],
        `GET / HTTP/1.1\r\nHost: ${host}\r\nX-Big: ${'b'.repeat(20_000)}\r\n\r\n`,
      );
      assertProblem(big, 431);
      assert.match(big, /"status":431/);
      const garbage = await rawRequest(url[name], 'NOT HTTP AT ALL\r\n\r\n');
      assertProblem(garbage, 400);
      assert.match(garbage, /"type":"https:\/\/shipshape.dev\/problems\/bad-request"/);
    });
  }
});
