// The acceptance suite: a black-box walk through the public API of a running Shipshape, through its gateway.
// It makes its own user, product and orders, and removes the user and product again whatever happens.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { describeNetworkError, hangUp, type Client, type Reply } from './client.ts';
import {
  arrayField,
  ensure,
  expectEqual,
  expectProblem,
  expectStatus,
  fail,
  integerField,
  isRecord,
  jsonObject,
  stringField,
  type Json,
} from './expect.ts';
import type { Runner } from './runner.ts';

export interface SuiteOptions {
  client: Client;
  runner: Runner;
  adminToken: string;
  /** A user token: the suite signs up as its subject, places and cancels orders as that user, then deletes it. */
  userToken: string;
  /** false for a system without the sample data (production): the seed reads are left out. */
  seeded?: boolean;
}

/** Paths the services serve to each other; the gateway must answer 404 for them. */
const INTERNAL_PATHS = ['/internal/reservations', `/internal/reservations/${randomUUID()}/release`, '/internal/health'];

const STOCK = 5;
const ORDERED = 2;

export async function runSuite({ client, runner, adminToken, userToken, seeded = true }: SuiteOptions): Promise<void> {
  const call = client.call.bind(client);
  const check = runner.check.bind(runner);
  const asAdmin = { token: adminToken };
  const asUser_ = { token: userToken };

  // The front door.
  const company = await check('GET / names the service, company and version', [], async () => {
    const info = jsonObject(expectOk(await call('GET', '/')));
    for (const key of ['service', 'company', 'version']) stringField(info, key);
    return stringField(info, 'company');
  });
  await check(
    'GET /docs/json is an OpenAPI document titled with the company, with the public routes',
    [company],
    async () => {
      const doc = jsonObject(expectOk(await call('GET', '/docs/json')));
      ensure(typeof doc.openapi === 'string', 'expected an "openapi" version field');
      const info = isRecord(doc.info) ? doc.info : fail('expected an "info" object');
      expectEqual(info.title, company, 'the document title');
      const paths = isRecord(doc.paths) ? Object.keys(doc.paths) : fail('expected a "paths" object');
      for (const prefix of ['/users', '/products', '/orders']) {
        ensure(
          paths.some((p) => p.startsWith(prefix)),
          `expected a path under ${prefix}, got ${paths.join(', ')}`,
        );
      }
      ensure(!paths.some((p) => p.startsWith('/internal')), 'expected no /internal paths in the public document');
    },
  );

  await check('GET /health answers 200 (live)', [], async () => expectStatus(await call('GET', '/health'), 200));
  await check('GET /ready answers 200 (ready)', [], async () => expectStatus(await call('GET', '/ready'), 200));

  await check('X-Request-ID is echoed back', [], async () => {
    const id = `acceptance-echo-${randomUUID()}`;
    const reply = await call('GET', '/health', { headers: { 'x-request-id': id } });
    expectEqual(reply.headers.get('x-request-id'), id, 'the X-Request-ID response header');
  });

  // What the seed put there (a production system has none: its pages may be empty).
  let seededProduct: ReturnType<typeof asProduct> | undefined;
  if (seeded) {
    const seededUser = await check('GET /users?limit=2 lists seeded users with a nextCursor', [], async () => {
      const page = jsonObject(expectOk(await call('GET', '/users?limit=2', asAdmin)));
      const items = arrayField(page, 'items');
      ensure(items.length >= 1, 'expected at least one user: is the database seeded? (npm run db:reset)');
      ensure(items.length <= 2, `expected at most 2 users for limit=2, got ${items.length}`);
      ensure(
        page.nextCursor === null || typeof page.nextCursor === 'string',
        `expected "nextCursor" to be a string or null, got ${JSON.stringify(page.nextCursor)}`,
      );
      return asUser(items[0]);
    });
    await check('GET /users/:id reads a seeded user (admin)', [seededUser], async () => {
      const user = asUser(jsonObject(expectOk(await call('GET', `/users/${seededUser!.id}`, asAdmin))));
      expectEqual(user.id, seededUser!.id, 'the user id');
    });
    await check('GET /users/:id of someone else with a user token is a 404 problem', [seededUser], async () => {
      expectProblem(await call('GET', `/users/${seededUser!.id}`, asUser_), 404);
    });

    seededProduct = await check('GET /products lists the seeded catalog', [], async () => {
      const page = jsonObject(expectOk(await call('GET', '/products')));
      const items = arrayField(page, 'items');
      ensure(items.length >= 1, 'expected at least one product: is the database seeded? (npm run db:reset)');
      return asProduct(items[0]);
    });
    await check('GET /products/:id reads a seeded product', [seededProduct], async () => {
      const product = asProduct(jsonObject(expectOk(await call('GET', `/products/${seededProduct!.id}`))));
      expectEqual(product.id, seededProduct!.id, 'the product id');
    });
  } else {
    await check('GET /users?limit=2 answers a page (admin)', [], async () => {
      const page = jsonObject(expectOk(await call('GET', '/users?limit=2', asAdmin)));
      ensure(arrayField(page, 'items').length <= 2, 'expected at most 2 users for limit=2');
    });
    await check('GET /products answers a page', [], async () => {
      arrayField(jsonObject(expectOk(await call('GET', '/products'))), 'items');
    });
  }

  // Errors are problem+json.
  await check('POST /users with invalid fields is a 400 problem naming them', [], async () => {
    const problem = expectProblem(await call('POST', '/users', { body: { name: '', email: 'not-an-email' } }), 400);
    const errors = arrayField(problem, 'errors');
    ensure(errors.length > 0, 'expected "errors" to name the offending fields');
    const named = JSON.stringify(errors);
    ensure(named.includes('email'), `expected "errors" to name the email field, got ${named}`);
  });
  await check('GET /users/:id for an unknown id is a 404 problem (admin)', [], async () => {
    expectProblem(await call('GET', `/users/${randomUUID()}`, asAdmin), 404);
  });
  // Who may call what.
  await check('GET /users without a token is a 401 problem', [], async () => {
    expectProblem(await call('GET', '/users'), 401);
  });
  await check('GET /users with a user token is a 403 problem', [], async () => {
    expectProblem(await call('GET', '/users', asUser_), 403);
  });
  await check('GET /orders without a token is a 401 problem', [], async () => {
    expectProblem(await call('GET', '/orders'), 401);
  });
  await check('a forged token is a 401 problem', [], async () => {
    const [header, payload] = userToken.split('.');
    expectProblem(await call('GET', '/orders', { token: `${header}.${payload}.${'A'.repeat(86)}` }), 401);
  });
  await check('POST /products without a token is a 401 problem', [], async () => {
    expectProblem(await call('POST', '/products', { body: productInput('unauthorised', 'USD') }), 401);
  });
  await check('/internal/... is not routed by the gateway (404 problem)', [], async () => {
    for (const path of INTERNAL_PATHS) {
      for (const method of ['GET', 'POST']) {
        const reply = await call(method, path, method === 'POST' ? { body: {} } : {});
        if (reply.status !== 404) fail(`${method} ${path}: expected HTTP 404, got ${reply.status}`);
        expectProblem(reply, 404);
      }
    }
  });

  // Our own data, removed again at the end whatever happens.
  const email = `acceptance+${client.runId}-${randomUUID().slice(0, 8)}@example.com`;
  let user: User | undefined;
  let product: Product | undefined;
  try {
    user = await check('POST /users with a user token creates the record of its subject', [], async () => {
      const reply = await call('POST', '/users', { ...asUser_, body: { name: `Acceptance ${client.runId}`, email } });
      if (reply.status === 409)
        fail(
          `expected HTTP 201, got 409: the user of ACCEPTANCE_USER_TOKEN already has a record (${reply.text}); delete it first`,
        );
      expectStatus(reply, 201);
      const created = asUser(jsonObject(reply));
      expectEqual(created.email, email, 'the stored email');
      for (const key of ['createdAt', 'updatedAt']) stringField(jsonObject(reply), key);
      return created;
    });
    await check('POST /users with the same email in another case is a 409 problem', [user], async () => {
      expectProblem(await call('POST', '/users', { body: { name: 'Duplicate', email: email.toUpperCase() } }), 409);
    });
    await check('PATCH /users/:id is seen by the next (cached) read', [user], async () => {
      expectOk(await call('GET', `/users/${user!.id}`, asUser_)); // fill the cache first
      const name = `Acceptance ${client.runId} renamed`;
      expectOk(await call('PATCH', `/users/${user!.id}`, { ...asUser_, body: { name } }));
      const reread = await call('GET', `/users/${user!.id}`, asUser_);
      expectEqual(jsonObject(expectOk(reread)).name, name, 'the name read after PATCH');
      const cache = reread.headers.get('x-cache');
      ensure(
        cache === 'hit' || cache === 'miss',
        `expected X-Cache: hit or miss on a cached read, got ${JSON.stringify(cache)}`,
      );
    });

    product = await check(`POST /products (admin) creates a product with stock ${STOCK}`, [], async () => {
      const currency = seededProduct?.currency ?? 'USD';
      const reply = await call('POST', '/products', { token: adminToken, body: productInput(client.runId, currency) });
      if (reply.status === 401 || reply.status === 403) {
        fail(
          `expected HTTP 201, got ${reply.status}: the admin token is not accepted by this system (set ACCEPTANCE_ADMIN_TOKEN to a token of its issuer, carrying its admin role)`,
        );
      }
      expectStatus(reply, 201);
      const created = asProduct(jsonObject(reply));
      expectEqual(created.stock, STOCK, 'the stock of the new product');
      return created;
    });

    await runOrderChecks({
      call: (method, path, options = {}) => call(method, path, { ...asUser_, ...options }),
      check,
      user,
      product,
      adminToken,
    });
  } finally {
    await check('DELETE /products/:id (admin) removes the product created', [product], async () => {
      expectStatus(await call('DELETE', `/products/${product!.id}`, { token: adminToken }), 204);
      expectProblem(await call('GET', `/products/${product!.id}`), 404);
    });
    await check('DELETE /users/:id (the user themself) removes the user created', [user], async () => {
      expectStatus(await call('DELETE', `/users/${user!.id}`, asUser_), 204);
      expectProblem(await call('GET', `/users/${user!.id}`, asAdmin), 404);
    });
  }

  // Last, because a gateway that fails it is down for whatever would follow.
  await check('the gateway keeps serving after clients hang up mid-request', [], async () => {
    const target = seededProduct ? `/products/${seededProduct.id}` : '/products?limit=5';
    await Promise.all(Array.from({ length: 40 }, (_, i) => hangUp(`${client.baseUrl}${target}`, 1 + (i % 10))));
    await sleep(300);
    let reply: Reply;
    try {
      reply = await call('GET', '/health');
    } catch (err) {
      fail(
        `after 40 requests abandoned by their clients, the gateway stopped answering (${describeNetworkError(err)})`,
      );
    }
    expectStatus(reply, 200);
  });
}

interface OrderContext {
  call: Client['call'];
  check: Runner['check'];
  user: User | undefined;
  product: Product | undefined;
  adminToken: string;
}

/** `call` here acts as the suite's user unless a call names another token. */
async function runOrderChecks({ call, check, user, product, adminToken }: OrderContext): Promise<void> {
  const key = `acceptance-${randomUUID()}`;
  const body = { userId: user?.id, items: [{ productId: product?.id, quantity: ORDERED }] };
  const withKey = (k: string) => ({ body, headers: { 'idempotency-key': k } });

  await check('POST /orders without an Idempotency-Key is a 400 problem', [user, product], async () => {
    expectProblem(await call('POST', '/orders', { body }), 400);
  });

  const first = await check(
    'POST /orders creates a confirmed order priced by the catalog',
    [user, product],
    async () => {
      const reply = await call('POST', '/orders', withKey(key));
      expectStatus(reply, 201);
      const order = jsonObject(reply);
      stringField(order, 'id');
      stringField(order, 'createdAt');
      expectEqual(order.userId, user!.id, 'the order userId');
      expectEqual(order.status, 'confirmed', 'the order status');
      expectEqual(order.currency, product!.currency, 'the order currency');
      expectEqual(order.totalCents, ORDERED * product!.priceCents, 'totalCents');
      const items = arrayField(order, 'items');
      expectEqual(
        items,
        [{ productId: product!.id, quantity: ORDERED, unitPriceCents: product!.priceCents }],
        'the order items',
      );
      return { reply, order };
    },
  );
  const orderId = first ? stringField(first.order, 'id') : undefined;

  await check(
    'POST /orders replayed with the same key returns the same response, Idempotent-Replayed: true',
    [first],
    async () => {
      const replay = await call('POST', '/orders', withKey(key));
      expectStatus(replay, first!.reply.status);
      expectEqual(replay.headers.get('idempotent-replayed'), 'true', 'the Idempotent-Replayed header');
      expectEqual(replay.body, first!.reply.body, 'the replayed body');
    },
  );
  await check('POST /orders with the same key and a different body is a 422 problem', [first], async () => {
    const changed = { ...body, items: [{ productId: product!.id, quantity: ORDERED + 1 }] };
    expectProblem(await call('POST', '/orders', { body: changed, headers: { 'idempotency-key': key } }), 422);
  });
  await check(`stock moved: the product has ${STOCK - ORDERED} left`, [first], async () => {
    expectEqual(
      asProduct(jsonObject(expectOk(await call('GET', `/products/${product!.id}`)))).stock,
      STOCK - ORDERED,
      'the stock',
    );
  });
  await check('POST /orders beyond the stock is a 409 problem naming the product', [first], async () => {
    const greedy = { userId: user!.id, items: [{ productId: product!.id, quantity: 100 }] };
    const reply = await call('POST', '/orders', {
      body: greedy,
      headers: { 'idempotency-key': `acceptance-${randomUUID()}` },
    });
    expectProblem(reply, 409);
    ensure(reply.text.includes(product!.id), `expected the problem to name product ${product!.id}, got ${reply.text}`);
  });
  await check('POST /orders for another user is a 403 problem', [user, product], async () => {
    const reply = await call('POST', '/orders', {
      body: { userId: randomUUID(), items: [{ productId: product!.id, quantity: 1 }] },
      headers: { 'idempotency-key': `acceptance-${randomUUID()}` },
    });
    expectProblem(reply, 403);
  });
  await check(
    'POST /orders for an unknown user (admin) or product is a 422 problem naming it',
    [user, product],
    async () => {
      const ghostProduct = randomUUID();
      const ghostUser = randomUUID();
      for (const [ghost, order, token] of [
        [ghostProduct, { userId: user!.id, items: [{ productId: ghostProduct, quantity: 1 }] }, undefined],
        [ghostUser, { userId: ghostUser, items: [{ productId: product!.id, quantity: 1 }] }, adminToken],
      ] as const) {
        const reply = await call('POST', '/orders', {
          body: order,
          headers: { 'idempotency-key': `acceptance-${randomUUID()}` },
          ...(token ? { token } : {}),
        });
        expectProblem(reply, 422);
        ensure(reply.text.includes(ghost), `expected the problem to name ${ghost}, got ${reply.text}`);
      }
    },
  );
  await check('GET /orders/:id reads the order (its user, and an admin)', [orderId], async () => {
    expectEqual(jsonObject(expectOk(await call('GET', `/orders/${orderId!}`))), first!.order, 'the order read back');
    const byAdmin = await call('GET', `/orders/${orderId!}`, { token: adminToken });
    expectEqual(jsonObject(expectOk(byAdmin)), first!.order, 'the order an admin reads');
  });
  await check('GET /orders lists only the caller’s orders', [orderId], async () => {
    const page = jsonObject(expectOk(await call('GET', '/orders?limit=100')));
    const owners = new Set(arrayField(page, 'items').map((o) => (isRecord(o) ? o.userId : undefined)));
    expectEqual([...owners], [user!.id], 'the owners of the listed orders');
  });
  await check('GET /orders?userId= lists the order', [orderId], async () => {
    const page = jsonObject(expectOk(await call('GET', `/orders?userId=${user!.id}&limit=10`)));
    const ids = arrayField(page, 'items').map((o) => (isRecord(o) ? o.id : undefined));
    ensure(ids.includes(orderId), `expected the list to contain ${orderId!}, got ${JSON.stringify(ids)}`);
  });
  const cancelled = await check('POST /orders/:id/cancel cancels the order', [orderId], async () => {
    expectEqual(
      jsonObject(expectOk(await call('POST', `/orders/${orderId!}/cancel`))).status,
      'cancelled',
      'the order status',
    );
    return true;
  });
  await check('POST /orders/:id/cancel again is idempotent', [cancelled], async () => {
    expectEqual(
      jsonObject(expectOk(await call('POST', `/orders/${orderId!}/cancel`))).status,
      'cancelled',
      'the order status',
    );
  });
  await check(`stock restored: the product has ${STOCK} again`, [cancelled], async () => {
    expectEqual(
      asProduct(jsonObject(expectOk(await call('GET', `/products/${product!.id}`)))).stock,
      STOCK,
      'the stock',
    );
  });
}

interface User {
  id: string;
  email: string;
}

interface Product {
  id: string;
  priceCents: number;
  currency: string;
  stock: number;
}

function expectOk(reply: Reply): Reply {
  expectStatus(reply, 200);
  return reply;
}

function asUser(value: unknown): User {
  if (!isRecord(value)) fail(`expected a user object, got ${JSON.stringify(value)}`);
  stringField(value, 'name');
  return { id: stringField(value, 'id'), email: stringField(value, 'email') };
}

function asProduct(value: unknown): Product {
  if (!isRecord(value)) fail(`expected a product object, got ${JSON.stringify(value)}`);
  const product: Json = value;
  stringField(product, 'sku');
  return {
    id: stringField(product, 'id'),
    priceCents: integerField(product, 'priceCents'),
    currency: stringField(product, 'currency'),
    stock: integerField(product, 'stock'),
  };
}

function productInput(tag: string, currency: string): Json {
  return {
    sku: `ACC-${tag.toUpperCase()}`,
    name: `Acceptance product ${tag}`,
    description: 'Made by the acceptance suite; removed when it ends.',
    priceCents: 1234,
    currency,
    stock: STOCK,
  };
}
