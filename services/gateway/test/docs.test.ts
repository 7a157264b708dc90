import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { App } from '@shipshape/platform/service';
import { PUBLIC_ROUTES, openApiPath } from '../src/proxy/public-routes.ts';
import { startStub, startStubs, type Stubs } from './helpers/stub-upstream.ts';
import { closedPortUrl, startGateway } from './helpers/gateway.ts';

type Doc = {
  openapi: string;
  info: { title: string; description: string };
  paths: Record<string, Record<string, unknown>>;
  components: Record<string, Record<string, unknown>>;
};

const problem = { $ref: '#/components/schemas/def-1' };
const bearer = { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } };
const op = (summary: string, schema: unknown = { type: 'object' }) => ({
  summary,
  responses: {
    200: { description: 'ok', content: { 'application/json': { schema } } },
    400: { description: 'bad', content: { 'application/problem+json': { schema: problem } } },
  },
});
const hidden = {
  '/health': { get: op('live') },
  '/ready': { get: op('ready') },
  '/metrics': { get: op('metrics') },
  '/docs/json': { get: op('docs') },
};
const problemSchema = { type: 'object', title: 'Problem', properties: { type: { type: 'string' } } };

/** Shaped like what @fastify/swagger makes: auto-named components (def-0, ...) that collide across services. */
const USERS_DOC = {
  openapi: '3.1.0',
  info: { title: 'Acme', version: '1' },
  components: {
    securitySchemes: bearer,
    schemas: {
      'def-0': { type: 'object', title: 'User', properties: { email: { type: 'string' } } },
      'def-1': problemSchema,
    },
  },
  tags: [{ name: 'users' }],
  paths: {
    '/users': {
      post: op('Create a user', { $ref: '#/components/schemas/def-0' }),
      get: op('List users', { type: 'array', items: { $ref: '#/components/schemas/def-0' } }),
    },
    '/users/{id}': {
      get: op('Get a user', { $ref: '#/components/schemas/def-0' }),
      patch: op('Update a user'),
      delete: op('Delete a user'),
    },
    ...hidden,
  },
};
const PRODUCTS_DOC = {
  openapi: '3.1.0',
  info: { title: 'Acme', version: '1' },
  components: {
    securitySchemes: bearer,
    schemas: {
      'def-0': {
        type: 'object',
        title: 'Product',
        properties: { sku: { type: 'string' }, price: { $ref: '#/components/schemas/def-2' } },
      },
      'def-1': problemSchema,
      'def-2': { type: 'integer', title: 'Cents' },
      'def-3': { type: 'object', title: 'Reservation' },
    },
  },
  paths: {
    '/products': {
      get: op('List products'),
      post: { ...op('Create a product', { $ref: '#/components/schemas/def-0' }), security: [{ bearerAuth: [] }] },
    },
    '/products/{id}': {
      get: op('Get a product', { $ref: '#/components/schemas/def-0' }),
      patch: op('Update a product'),
      delete: op('Delete a product'),
    },
    '/internal/reservations': { post: op('Reserve stock', { $ref: '#/components/schemas/def-3' }) },
    '/internal/reservations/{orderId}': { delete: op('Release stock') },
    ...hidden,
  },
};
const ORDERS_DOC = {
  openapi: '3.1.0',
  info: { title: 'Acme', version: '1' },
  components: {
    schemas: {
      'def-0': { type: 'object', title: 'Order', properties: { totalCents: { type: 'integer' } } },
      'def-1': problemSchema,
    },
  },
  paths: {
    '/orders': { post: op('Place an order', { $ref: '#/components/schemas/def-0' }), get: op('List orders') },
    '/orders/{id}': { get: op('Get an order', { $ref: '#/components/schemas/def-0' }), delete: op('not public') },
    '/orders/{id}/cancel': { post: op('Cancel an order', { $ref: '#/components/schemas/def-0' }) },
    '/internal/reconcile': { post: op('Reconcile') },
    ...hidden,
  },
};

const token = { Token: { type: 'apiKey', in: 'header', name: 'Authorization' } };
/** Conduit's document: every RealWorld operation, the Token scheme, and its own routes the gateway must not publish. */
const CONDUIT_DOC = {
  openapi: '3.1.0',
  info: { title: 'Acme', version: '1' },
  components: {
    securitySchemes: { ...bearer, ...token },
    schemas: { 'def-0': { type: 'object', title: 'ConduitArticle', properties: { slug: { type: 'string' } } } },
  },
  paths: {
    ...Object.fromEntries(
      Object.entries(
        Object.groupBy(
          PUBLIC_ROUTES.filter((r) => r.target === 'conduit'),
          (r) => openApiPath(r.url),
        ),
      ).map(([path, routes]) => [
        path,
        Object.fromEntries(
          (routes ?? []).map((r) => [
            r.method.toLowerCase(),
            op(`${r.method} ${path}`, { $ref: '#/components/schemas/def-0' }),
          ]),
        ),
      ]),
    ),
    ...hidden,
  },
};

function refsIn(value: unknown, into: string[] = []): string[] {
  if (Array.isArray(value)) for (const v of value) refsIn(v, into);
  else if (value && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) k === '$ref' && typeof v === 'string' ? into.push(v) : refsIn(v, into);
  return into;
}

function resolves(doc: Doc, ref: string): unknown {
  const [, , kind, name] = ref.split('/');
  return kind && name ? doc.components[kind]?.[name] : undefined;
}

describe('combined API docs', () => {
  let stubs: Stubs;
  let app: App;

  before(async () => {
    stubs = await startStubs();
    stubs.users.docs(USERS_DOC);
    stubs.products.docs(PRODUCTS_DOC);
    stubs.orders.docs(ORDERS_DOC);
    stubs.conduit.docs(CONDUIT_DOC);
    app = await startGateway(stubs, { COMPANY_NAME: 'Acme Shipping' });
  });
  after(async () => {
    await app.close();
    await stubs.close();
  });

  test('when /docs/json is read, then it holds exactly the routed operations of every service plus GET /, titled with the company', async () => {
    const res = await app.inject('/docs/json');
    assert.equal(res.statusCode, 200);
    const doc = res.json<Doc>();
    assert.equal(doc.openapi, '3.1.0');
    assert.equal(doc.info.title, 'Acme Shipping');
    const operations = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.keys(item).map((m) => `${m.toUpperCase()} ${path}`),
    );
    const expected = [...PUBLIC_ROUTES.map((r) => `${r.method} ${openApiPath(r.url)}`), 'GET /'];
    assert.deepEqual(operations.sort(), expected.sort());
    for (const path of Object.keys(doc.paths)) assert.doesNotMatch(path, /^\/(internal|health|ready|metrics|docs)/);
    assert.ok(doc.paths['/']?.get, 'the gateway documents its own GET /');
    assert.deepEqual((doc.paths['/products']!.post as { security?: unknown }).security, [{ bearerAuth: [] }]);
    assert.deepEqual(doc.components.securitySchemes, { ...bearer, ...token });
    assert.ok(doc.paths['/api/articles/{slug}/comments/{id}']?.delete, 'the RealWorld API is documented under /api');
  });

  test('when services reuse a component name for different schemas, then each keeps its own and every $ref resolves', async () => {
    const doc = (await app.inject('/docs/json')).json<Doc>();
    for (const ref of refsIn(doc)) assert.ok(resolves(doc, ref) !== undefined, `${ref} resolves`);
    const titleAt = (path: string, method: string) => {
      const schema = (
        doc.paths[path]![method] as {
          responses: Record<string, { content: Record<string, { schema: { $ref: string } }> }>;
        }
      ).responses['200']?.content['application/json']?.schema;
      return (resolves(doc, schema?.$ref ?? '') as { title?: string } | undefined)?.title;
    };
    assert.equal(titleAt('/users/{id}', 'get'), 'User');
    assert.equal(titleAt('/products/{id}', 'get'), 'Product');
    assert.equal(titleAt('/orders/{id}', 'get'), 'Order');
    const titles = Object.values(doc.components.schemas ?? {}).map((s) => (s as { title?: string }).title);
    assert.ok(titles.includes('Cents'), 'components reached through other components are kept');
    assert.ok(!titles.includes('Reservation'), 'components only internal routes use are dropped');
    assert.equal(titles.filter((t) => t === 'Problem').length, 1, 'identical components are shared, not repeated');
  });

  test('when the docs are read again within the cache time, then the services are not asked again', async () => {
    await app.inject('/docs/json');
    const asked = () =>
      [stubs.users, stubs.products, stubs.orders].map((s) => s.received.filter((r) => r.url === '/docs/json').length);
    const before = asked();
    await app.inject('/docs/json');
    await app.inject('/docs/yaml');
    assert.deepEqual(asked(), before);
  });

  test('when /docs is opened, then Swagger UI loads the combined document under a CSP made for it', async () => {
    const page = await app.inject('/docs');
    assert.equal(page.statusCode, 200);
    assert.match(page.headers['content-type'] ?? '', /^text\/html/);
    const docsCsp = String(page.headers['content-security-policy']);
    assert.match(docsCsp, /script-src 'self'/);
    assert.doesNotMatch(docsCsp, /upgrade-insecure-requests/, 'the UI must also work over plain http');
    const init = await app.inject('/docs/static/swagger-initializer.js');
    assert.equal(init.statusCode, 200);
    assert.match(init.body, /resolveUrl\('\.\/json'\)/);
    const bundle = await app.inject('/docs/static/swagger-ui-bundle.js');
    assert.equal(bundle.statusCode, 200);
    const yaml = await app.inject('/docs/yaml');
    assert.equal(yaml.statusCode, 200);
    assert.match(yaml.body, /title: Acme Shipping/);
    assert.equal(
      String((await app.inject('/')).headers['content-security-policy']),
      "default-src 'none';frame-ancestors 'none'",
      'the API keeps the strict policy',
    );
  });
});

describe('combined API docs while a service is down', () => {
  test('when a service is down from the start, then the others are documented and the document says who is missing', async () => {
    const [users, orders] = await Promise.all([startStub('users'), startStub('orders')]);
    users.docs(USERS_DOC);
    orders.docs(ORDERS_DOC);
    const app = await startGateway({ users, orders, products: await closedPortUrl(), conduit: await closedPortUrl() });
    try {
      const res = await app.inject('/docs/json');
      assert.equal(res.statusCode, 200);
      const doc = res.json<Doc>();
      assert.ok(doc.paths['/users/{id}'] && doc.paths['/orders/{id}/cancel']);
      assert.equal(doc.paths['/products'], undefined);
      assert.match(doc.info.description, /Not answering when this was assembled: products, conduit\./);
    } finally {
      await app.close();
      await Promise.all([users.close(), orders.close()]);
    }
  });

  test('when a service goes down after it was documented, then its last known part is still served', async () => {
    const [users, products, orders] = await Promise.all([
      startStub('users'),
      startStub('products'),
      startStub('orders'),
    ]);
    users.docs(USERS_DOC);
    products.docs(PRODUCTS_DOC);
    orders.docs(ORDERS_DOC);
    const app = await startGateway({ users, products, orders }, { DOCS_CACHE_SECONDS: '0' });
    try {
      const first = (await app.inject('/docs/json')).json<Doc>();
      assert.ok(first.paths['/products/{id}']);
      await products.close();
      const second = (await app.inject('/docs/json')).json<Doc>();
      assert.deepEqual(second.paths['/products/{id}'], first.paths['/products/{id}']);
      assert.match(second.info.description, /products \(last known\)/);
      assert.equal(
        users.received.filter((r) => r.url === '/docs/json').length,
        2,
        'with no cache time, every read asks again',
      );
    } finally {
      await app.close();
      await Promise.all([users.close(), orders.close()]);
    }
  });
});
