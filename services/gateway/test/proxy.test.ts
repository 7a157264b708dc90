import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { App } from '@shipshape/platform/service';
import { PUBLIC_ROUTES } from '../src/proxy/public-routes.ts';
import type { Stubs } from './helpers/stub-upstream.ts';
import { metric, startGateway, startStubbedGateway } from './helpers/gateway.ts';
import { adminToken } from '../../../test/support/auth.ts';

const ID = '5b7c1a52-3f0e-4d8a-9c6b-2a1e0f9d8c7b';

describe('gateway routing', () => {
  let stubs: Stubs;
  let app: App;
  let close: () => Promise<void>;

  before(async () => {
    ({ stubs, app, close } = await startStubbedGateway({ COMPANY_NAME: 'Acme Shipping' }));
  });
  after(() => close());

  const callCounts = () => [
    stubs.users.calls().length,
    stubs.products.calls().length,
    stubs.orders.calls().length,
    stubs.conduit.calls().length,
  ];
  /** A POST /users whose body is the given text, sent as JSON. */
  const postUser = (payload: string) =>
    app.inject({ method: 'POST', url: '/users', payload, headers: { 'content-type': 'application/json' } });

  test('when GET / is asked, then the gateway names itself, the company and its version', async () => {
    const res = await app.inject('/');
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { service: 'gateway', company: 'Acme Shipping', version: '0.1.0' });
  });

  test('when each public route is called, then exactly the owning service receives the same method and path', async () => {
    for (const route of PUBLIC_ROUTES) {
      const path = route.url.replace(':id', route.target === 'conduit' ? '42' : ID).replace(/:\w+/g, 'jake');
      const stub = stubs[route.target];
      const was = callCounts();
      const res = await app.inject({
        method: route.method,
        url: path,
        ...(route.method === 'POST' || route.method === 'PATCH' || route.method === 'PUT'
          ? { payload: { probe: route.url } }
          : {}),
      });
      assert.equal(res.statusCode, 200, `${route.method} ${path}`);
      const last = stub.calls().at(-1);
      assert.equal(last?.method, route.method);
      assert.equal(last?.url, path);
      const grew = callCounts().map((n, i) => n - (was[i] ?? 0));
      assert.equal(
        grew.reduce((a, b) => a + b, 0),
        1,
        `only one service is called for ${route.method} ${path}`,
      );
    }
  });

  test('when a method or path is not in the public API, then the answer is 404 problem+json and no service is called', async () => {
    const was = callCounts();
    for (const [method, url] of [
      ['PUT', `/users/${ID}`],
      ['DELETE', `/orders/${ID}`],
      ['GET', `/orders/${ID}/cancel`],
      ['GET', '/internal/reservations'],
      ['POST', '/internal/stock/reserve'],
      ['GET', '/nope'],
      ['GET', '/health/../internal/x'],
    ] as const) {
      const res = await app.inject({ method, url });
      assert.equal(res.statusCode, 404, `${method} ${url}`);
      assert.match(res.headers['content-type'] ?? '', /^application\/problem\+json/);
      assert.equal(res.json().status, 404);
      assert.equal(res.json().type, 'https://shipshape.dev/problems/not-found');
    }
    assert.deepEqual(callCounts(), was);
  });

  test('when a request carries a query, a body and headers, then the service gets the query, the body and only the headers that matter', async () => {
    const token = await adminToken();
    const res = await app.inject({
      method: 'POST',
      url: '/orders?dryRun=false&tag=a%20b',
      payload: { userId: ID, items: [{ productId: ID, quantity: 2 }] },
      headers: {
        authorization: `Bearer ${token}`,
        'idempotency-key': 'order-123',
        accept: 'application/json',
        cookie: 'session=secret',
        'x-internal-token': 'leak',
        'x-forwarded-for': '6.6.6.6',
        tracestate: 'vendor=1',
        traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      },
    });
    assert.equal(res.statusCode, 200);
    const got = stubs.orders.calls().at(-1);
    assert.equal(got?.url, '/orders?dryRun=false&tag=a%20b');
    assert.deepEqual(got?.body, { userId: ID, items: [{ productId: ID, quantity: 2 }] });
    assert.equal(got?.headers.authorization, `Bearer ${token}`, 'the verified token goes on unchanged');
    assert.equal(got?.headers['idempotency-key'], 'order-123');
    assert.equal(got?.headers.accept, 'application/json');
    assert.match(String(got?.headers['content-type']), /^application\/json/);
    assert.equal(got?.headers.tracestate, 'vendor=1');
    assert.equal(got?.headers.cookie, undefined);
    assert.equal(got?.headers['x-internal-token'], undefined);
    assert.equal(got?.headers['x-forwarded-for'], '127.0.0.1', 'a client cannot choose the address the services see');
  });

  test('when a service answers with a status, headers and a problem body, then the client gets them unchanged', async () => {
    stubs.users.answer(() => ({
      status: 201,
      headers: { location: `/users/${ID}`, 'x-cache': 'miss' },
      body: { id: ID, name: 'Ada' },
    }));
    const created = await app.inject({
      method: 'POST',
      url: '/users',
      payload: { name: 'Ada', email: 'ada@example.com' },
    });
    assert.equal(created.statusCode, 201);
    assert.equal(created.headers.location, `/users/${ID}`);
    assert.equal(created.headers['x-cache'], 'miss');
    assert.deepEqual(created.json(), { id: ID, name: 'Ada' });

    stubs.orders.answer(() => ({
      status: 201,
      headers: { 'idempotent-replayed': 'true' },
      body: { id: ID, status: 'confirmed' },
    }));
    const replay = await app.inject({
      method: 'POST',
      url: '/orders',
      payload: { userId: ID, items: [] },
      headers: { 'idempotency-key': 'k1' },
    });
    assert.equal(replay.statusCode, 201);
    assert.equal(replay.headers['idempotent-replayed'], 'true');

    const problem = {
      type: 'https://shipshape.dev/problems/insufficient-stock',
      title: 'Conflict',
      status: 409,
      detail: 'not enough stock',
      product: ID,
    };
    stubs.orders.answer(() => ({
      status: 409,
      headers: { 'content-type': 'application/problem+json; charset=utf-8' },
      body: JSON.stringify(problem),
    }));
    const conflict = await app.inject({
      method: 'POST',
      url: '/orders',
      payload: {},
      headers: { 'idempotency-key': 'k2' },
    });
    assert.equal(conflict.statusCode, 409);
    assert.match(conflict.headers['content-type'] ?? '', /^application\/problem\+json/);
    assert.deepEqual(conflict.json(), problem);

    stubs.products.answer(() => ({
      status: 503,
      headers: { 'retry-after': '7', 'content-type': 'application/problem+json' },
      body: JSON.stringify({ status: 503 }),
    }));
    const busy = await app.inject({ method: 'POST', url: '/products', payload: { sku: 'x' } });
    assert.equal(busy.statusCode, 503);
    assert.equal(busy.headers['retry-after'], '7');

    stubs.products.answer(() => ({ status: 204 }));
    const deleted = await app.inject({ method: 'DELETE', url: `/products/${ID}` });
    assert.equal(deleted.statusCode, 204);
    assert.equal(deleted.body, '');
  });

  test('when a service names hop-by-hop headers or answers a HEAD, then those headers stay out and HEAD keeps its length', async () => {
    const product = { id: ID, name: 'Anchor mug' };
    stubs.products.answer(() => ({
      status: 200,
      headers: { 'proxy-authenticate': 'Basic', upgrade: 'h2c', 'x-cache': 'hit' },
      body: product,
    }));
    const got = await app.inject(`/products/${ID}`);
    assert.equal(got.statusCode, 200);
    assert.deepEqual(got.json(), product);
    assert.equal(got.headers['x-cache'], 'hit');
    assert.equal(got.headers['proxy-authenticate'], undefined);
    assert.equal(got.headers.upgrade, undefined);
    assert.equal(got.headers['content-length'], String(Buffer.byteLength(got.body)));

    const head = await app.inject({ method: 'HEAD', url: `/products/${ID}` });
    assert.equal(head.statusCode, 200);
    assert.equal(head.body, '');
    assert.equal(stubs.products.calls().at(-1)?.method, 'GET', 'the service is asked the GET');
    assert.equal(head.headers['content-length'], got.headers['content-length']);
  });

  test('when a service answers with more than the gateway reads (8 MiB), then the client gets 502 problem+json', async () => {
    stubs.products.answer(() => ({
      status: 200,
      headers: { 'content-type': 'application/json' },
      body: `"${'x'.repeat(9 * 1024 * 1024)}"`,
    }));
    const res = await app.inject(`/products/${ID}`);
    assert.equal(res.statusCode, 502);
    assert.match(res.headers['content-type'] ?? '', /^application\/problem\+json/);
    assert.equal(res.json().type, 'https://shipshape.dev/problems/bad-gateway');
    stubs.products.answer(() => ({ status: 200, body: { id: ID } }));
    assert.equal((await app.inject(`/products/${ID}`)).statusCode, 200, 'the next call is served');
  });

  test('when a cached read is proxied, then the hit header comes back and metrics carry the route template', async () => {
    stubs.users.answer(() => ({ status: 200, headers: { 'x-cache': 'hit' }, body: { id: ID } }));
    const res = await app.inject(`/users/${ID}`);
    assert.equal(res.headers['x-cache'], 'hit');
    assert.ok(
      ((await metric(app, 'http_server_request_duration_seconds_count', {
        route: '/users/:id',
        method: 'GET',
        status_class: '2xx',
      })) ?? 0) >= 1,
    );
    assert.ok(
      ((await metric(app, 'http_client_request_duration_seconds_count', {
        target: 'users',
        operation: 'proxy',
        status_class: '2xx',
      })) ?? 0) >= 1,
    );
  });

  test('when an id is not a UUID, then the gateway answers 400 problem+json naming the field and calls nobody', async () => {
    const was = callCounts();
    const res = await app.inject(`/users/not-a-uuid`);
    assert.equal(res.statusCode, 400);
    assert.match(res.headers['content-type'] ?? '', /^application\/problem\+json/);
    assert.equal(res.json().errors[0].field, 'params.id');
    assert.deepEqual(callCounts(), was);
  });

  test('when the JSON body is malformed, then the answer is 400 problem+json and no service is called', async () => {
    const was = callCounts();
    const res = await postUser('{"name": "Ada",');
    assert.equal(res.statusCode, 400);
    assert.match(res.headers['content-type'] ?? '', /^application\/problem\+json/);
    assert.equal(res.json().status, 400);
    assert.deepEqual(callCounts(), was);
  });

  test('when a body exceeds 1 MB, then the answer is 413 problem+json; a body just under the limit is forwarded', async () => {
    stubs.users.answer(() => ({ status: 201, body: { ok: true } }));
    const was = stubs.users.calls().length;
    const tooBig = JSON.stringify({ name: 'x'.repeat(1_048_576), email: 'a@b.c' });
    const res = await postUser(tooBig);
    assert.equal(res.statusCode, 413);
    assert.match(res.headers['content-type'] ?? '', /^application\/problem\+json/);
    assert.equal(res.json().type, 'https://shipshape.dev/problems/payload-too-large');
    assert.equal(stubs.users.calls().length, was);

    const justUnder = JSON.stringify({ name: 'x'.repeat(1_048_576 - 100), email: 'a@b.c' });
    assert.ok(Buffer.byteLength(justUnder) < 1_048_576);
    const ok = await postUser(justUnder);
    assert.equal(ok.statusCode, 201);
    assert.equal(stubs.users.calls().length, was + 1);
    assert.equal((stubs.users.calls().at(-1)!.body as { name: string }).name.length, 1_048_576 - 100);
  });

  test('when any answer leaves the gateway, then it carries the security headers', async () => {
    for (const url of ['/', `/users/${ID}`, '/nope']) {
      const res = await app.inject(url);
      assert.equal(res.headers['x-content-type-options'], 'nosniff', url);
      assert.equal(res.headers['x-frame-options'], 'DENY', url);
      assert.match(String(res.headers['strict-transport-security']), /max-age=\d+/, url);
      // An API's policy: nothing may load or frame an answer.
      assert.equal(res.headers['content-security-policy'], "default-src 'none';frame-ancestors 'none'", url);
      assert.equal(res.headers['referrer-policy'], 'no-referrer', url);
      assert.equal(res.headers['cross-origin-resource-policy'], 'same-origin', url);
      // helmet's page-only headers are left out of JSON answers.
      for (const pageOnly of ['x-dns-prefetch-control', 'x-download-options', 'origin-agent-cluster'])
        assert.equal(res.headers[pageOnly], undefined, `${url} ${pageOnly}`);
    }
  });

  test('when every service is down, then /health and /ready still answer 200: readiness does not depend on them', async () => {
    const alone = await startGateway({});
    try {
      assert.equal((await alone.inject('/health')).statusCode, 200);
      const ready = await alone.inject('/ready');
      assert.equal(ready.statusCode, 200);
      assert.equal(ready.json().status, 'ok');
      assert.equal((await alone.inject(`/users/${ID}`)).statusCode, 503);
    } finally {
      await alone.close();
    }
  });
});

describe('the RealWorld API under /api', () => {
  let stubs: Stubs;
  let app: App;
  let close: () => Promise<void>;

  before(async () => {
    ({ stubs, app, close } = await startStubbedGateway());
  });
  after(() => close());

  test('when a browser preflights /api, then conduit gets the CORS headers and its answer comes back whole', async () => {
    stubs.conduit.answer((req) => ({
      status: 204,
      headers: {
        'access-control-allow-origin': '*',
        'access-control-allow-methods': 'GET,POST,PUT,DELETE',
        'access-control-allow-headers': String(req.headers['access-control-request-headers']),
      },
    }));
    const res = await app.inject({
      method: 'OPTIONS',
      url: '/api/articles/some-slug/comments',
      headers: {
        origin: 'http://localhost:4200',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type',
      },
    });
    assert.equal(res.statusCode, 204);
    assert.equal(res.headers['access-control-allow-origin'], '*');
    assert.equal(res.headers['access-control-allow-headers'], 'authorization,content-type');
    assert.equal(
      res.headers['cross-origin-resource-policy'],
      'cross-origin',
      'browser apps on other origins may read it',
    );
    const got = stubs.conduit.calls().at(-1);
    assert.equal(got?.method, 'OPTIONS');
    assert.equal(got?.url, '/api/articles/some-slug/comments');
    assert.equal(got?.headers.origin, 'http://localhost:4200');
    assert.equal(got?.headers['access-control-request-method'], 'POST');
  });

  test('when a RealWorld call carries Authorization: Token, then it reaches conduit untouched, with its query', async () => {
    stubs.conduit.answer((req) => ({ status: 200, body: { url: req.url, auth: req.headers.authorization } }));
    const res = await app.inject({
      method: 'GET',
      url: '/api/articles?tag=dragons&limit=2',
      headers: { authorization: 'Token abc.def.ghi' },
    });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { url: '/api/articles?tag=dragons&limit=2', auth: 'Token abc.def.ghi' });
  });

  test('when the gateway itself refuses an /api call, then the answer is in the RealWorld error format', async () => {
    const was = stubs.conduit.calls().length;
    const unknown = await app.inject({ method: 'GET', url: '/api/not-a-route' });
    assert.equal(unknown.statusCode, 404);
    assert.match(unknown.headers['content-type'] ?? '', /^application\/json/);
    assert.equal(unknown.json().errors.body.length, 1);
    const health = await app.inject({ method: 'GET', url: '/api/health' });
    assert.equal(health.statusCode, 404, 'only the specification endpoints are public');
    assert.equal(stubs.conduit.calls().length, was);
    const elsewhere = await app.inject({ method: 'GET', url: '/not-a-route' });
    assert.match(elsewhere.headers['content-type'] ?? '', /^application\/problem\+json/);
  });

  test('when conduit is down, then /api answers 503 in the RealWorld format with Retry-After', async () => {
    const lonely = await startGateway({});
    try {
      const res = await lonely.inject({ method: 'GET', url: '/api/tags' });
      assert.equal(res.statusCode, 503);
      assert.ok(res.headers['retry-after']);
      assert.match(res.json().errors.body[0], /conduit/);
    } finally {
      await lonely.close();
    }
  });
});
