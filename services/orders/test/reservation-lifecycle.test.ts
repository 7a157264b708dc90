// A reservation's life ends explicitly (committed with its order, or released), the reconciler reads only the
// unresolved ones however many orders exist, and a cancel is either done or pending, never half done.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { TestDatabase } from '../../../test/support/database.ts';
import { startOrders, metricsUrl } from '../../../test/support/apps.ts';
import { metricValue, startFaultProxy, waitFor, type FaultProxy } from '../../../test/support/http.ts';
import { assertStockInvariant } from '../../../test/support/invariant.ts';
import { adminCall as call, ordersIdentity } from '../../../test/support/auth.ts';
import type { StoreUnderTest } from '../../../test/support/stores.ts';
import type { App } from '@shipshape/platform/service';
import { createProduct, createUser, startUpstreams } from './helpers.ts';

const GRACE_MS = 1500;
const INTERVAL_MS = 500;
const CONFIRMED_ORDERS = 5000;

let db: TestDatabase;
let store: StoreUnderTest;
const apps: App[] = [];
let productsProxy: FaultProxy;
let usersProxy: FaultProxy;
let usersUrl: string;
let productsUrl: string;
let ordersUrl: string;
const initial = new Map<string, number>();

const newUser = () => createUser(usersUrl);
const newProduct = (stock: number) => createProduct(productsUrl, initial, { skuPrefix: 'L', stock, priceCents: 100 });
const order = (userId: string, productId: string, quantity: number) =>
  call(`${ordersUrl}/orders`, {
    body: { userId, items: [{ productId, quantity }] },
    headers: { 'idempotency-key': randomUUID() },
  });
const stockOf = (id: string) => store.stockOf(id);
const reservationStatus = (orderId: string) => store.reservationStatuses(orderId);

/** An orders process on the store under test, calling users and products through their fault proxies. */
const ordersEnv = () => ({
  ...store.orders,
  USERS_URL: usersProxy.url,
  PRODUCTS_URL: productsProxy.url,
  UPSTREAM_TIMEOUT_MS: '1000',
  BREAKER_HALF_OPEN_AFTER_MS: '300',
  RECONCILE_INTERVAL_MS: String(INTERVAL_MS),
  RECONCILE_GRACE_MS: String(GRACE_MS),
});

before(async () => {
  const up = await startUpstreams();
  ({ db, store, usersUrl, productsUrl } = up);
  apps.push(...up.apps);
  productsProxy = await startFaultProxy(productsUrl);
  usersProxy = await startFaultProxy(usersUrl);
  const o = await startOrders(ordersEnv());
  apps.push(o.app);
  ordersUrl = o.url;
  // The first order of fresh processes (and of a fresh DynamoDB Local) is slow on a loaded machine; the 1 s upstream
  // deadline above is for the tests, so one order goes through before them.
  const user = await newUser();
  const warm = await newProduct(1000);
  await waitFor(
    'a first order to go through',
    async () => (await order(user.id, warm.id, 1)).status === 201,
    60_000,
    200,
  );
});
after(async () => {
  // Orders first: its reconciler stops before the services it calls go away.
  for (const a of [...apps].reverse()) await a.close();
  await productsProxy.close();
  await usersProxy.close();
  await assertStockInvariant(store, initial);
  await store.close();
  await db.drop();
});

/** Reservations the reconciler has committed so far. */
const reconcilerCommits = async () =>
  metricValue(await (await fetch(metricsUrl(ordersUrl))).text(), 'shipshape_reconciler_committed_total');

/**
 * Waits until every order's reservation is committed, for less than the reconciler's grace: so the commit that
 * follows each answer did it, not the reconciler (whose count must not move either).
 */
async function committedAfterAnswers(orderIds: string[], reconciledBefore: number) {
  await waitFor(
    `the reservations of ${orderIds.length} orders to be committed`,
    async () => {
      for (const id of orderIds) if ((await reservationStatus(id)).join() !== 'committed') return false;
      return true;
    },
    GRACE_MS - 500,
    10,
  );
  assert.equal(await reconcilerCommits(), reconciledBefore);
}

test('when an order is placed, then its reservation is committed after the answer, not left open', async () => {
  const user = await newUser();
  const a = await newProduct(5);
  const reconciled = await reconcilerCommits();
  const res = await order(user.id, a.id, 2);
  assert.equal(res.status, 201, res.text);
  // Held from the answer on, reserved or already committed.
  assert.ok(['reserved', 'committed'].includes((await reservationStatus(res.body.id)).join()));
  assert.equal(await stockOf(a.id), 3);
  await committedAfterAnswers([res.body.id], reconciled);
  assert.equal(await stockOf(a.id), 3);
});

test('when orders are answered and orders is closed at once, then their commits still leave before it stops', async () => {
  // A second orders process on the same store and upstreams, closed as soon as its orders are answered (SIGTERM
  // closes it the same way). Products is slowed so the commits are still lingering or on their way at the close.
  const o = await startOrders(ordersEnv());
  const user = await newUser();
  const a = await newProduct(10);
  const placed: string[] = [];
  let closed = false;
  try {
    const answers = await Promise.all(
      Array.from({ length: 3 }, () =>
        call(`${o.url}/orders`, {
          body: { userId: user.id, items: [{ productId: a.id, quantity: 1 }] },
          headers: { 'idempotency-key': randomUUID() },
        }),
      ),
    );
    assert.deepEqual(
      answers.map((r) => r.status),
      [201, 201, 201],
    );
    placed.push(...answers.map((r) => String(r.body.id)));
    productsProxy.delayMs = 150;
    await o.app.close();
    closed = true;
  } finally {
    productsProxy.delayMs = 0;
    if (!closed) await o.app.close();
  }
  for (const id of placed) assert.deepEqual(await reservationStatus(id), ['committed']);
  assert.equal(await stockOf(a.id), 7);
});

test('when orders arrive while a reservation or a commit is on its way, then theirs go to products together, and their commits follow the answers together', async () => {
  const user = await newUser();
  const a = await newProduct(50);
  const K = 12;
  const groups: number[] = [];
  const reserveGroups: number[] = [];
  // Every call to products is slowed, so the first reservation and commit are still on their way when the others
  // are ready.
  productsProxy.delayMs = 150;
  productsProxy.failWhen = (url, body) => {
    if (url === '/internal/reservations/commits')
      groups.push((JSON.parse(body) as { orderIds: string[] }).orderIds.length);
    if (url === '/internal/reservations/batch')
      reserveGroups.push((JSON.parse(body) as { reservations: unknown[] }).reservations.length);
    return undefined;
  };
  try {
    const reconciled = await reconcilerCommits();
    const placed = await Promise.all(Array.from({ length: K }, () => order(user.id, a.id, 1)));
    assert.deepEqual(
      placed.map((r) => r.status),
      Array(K).fill(201),
    );
    await committedAfterAnswers(
      placed.map((r) => String(r.body.id)),
      reconciled,
    );
    assert.equal(
      groups.reduce((sum, n) => sum + n, 0),
      K,
    );
    assert.ok(groups.length < K, `${K} commits took ${groups.length} calls: ${groups.join(', ')}`);
    assert.equal(
      reserveGroups.reduce((sum, n) => sum + n, 0),
      K,
    );
    assert.ok(reserveGroups.length < K, `${K} reservations took ${reserveGroups.length} calls`);
    console.log(
      `# ${K} concurrent orders reserved in ${reserveGroups.length} calls (${reserveGroups.join(', ')}), committed in ${groups.length} (${groups.join(', ')})`,
    );
  } finally {
    productsProxy.delayMs = 0;
    productsProxy.failWhen = undefined;
  }
  assert.equal(await stockOf(a.id), 50 - K);
});

test('when orders arrive while a user check is on its way, then their users are checked together and an unknown one fails only its order', async () => {
  const a = await newProduct(50);
  const K = 12;
  const buyers = await Promise.all(Array.from({ length: K }, () => newUser()));
  const unknown = randomUUID();
  const groups: number[] = [];
  // Every call to users is slowed, so the first check is still on its way when the others are ready.
  usersProxy.delayMs = 150;
  usersProxy.failWhen = (url, body) => {
    if (url === '/internal/users/existing') groups.push((JSON.parse(body) as { ids: string[] }).ids.length);
    return undefined;
  };
  try {
    const placed = await Promise.all([...buyers.map((b) => order(b.id, a.id, 1)), order(unknown, a.id, 1)]);
    assert.deepEqual(
      placed.map((r) => r.status),
      [...Array(K).fill(201), 422],
    );
    assert.equal(placed[K]?.body.type.endsWith('/unknown-user'), true, placed[K]?.text);
    assert.equal(
      groups.reduce((sum, n) => sum + n, 0),
      K + 1,
    );
    assert.ok(groups.length < K, `${K + 1} user checks took ${groups.length} calls: ${groups.join(', ')}`);
    console.log(`# ${K + 1} concurrent orders checked their users in ${groups.length} calls (${groups.join(', ')})`);
  } finally {
    usersProxy.delayMs = 0;
    usersProxy.failWhen = undefined;
  }
  assert.equal(await stockOf(a.id), 50 - K);
});

test('when one order of a group makes products fail, then the group is retried order by order and only that order fails', async () => {
  const user = await newUser();
  const a = await newProduct(50);
  const poison = randomUUID();
  const K = 8;
  const reserveGroups: string[][] = [];
  // A bug in products that only the poisoned order triggers; every call is slowed so the orders form a group.
  productsProxy.delayMs = 150;
  productsProxy.failWhen = (url, body) => {
    if (url !== '/internal/reservations/batch') return undefined;
    const ids = (JSON.parse(body) as { reservations: { items: { productId: string }[] }[] }).reservations.map((r) =>
      r.items.map((i) => i.productId).join('+'),
    );
    reserveGroups.push(ids);
    return ids.some((id) => id.includes(poison)) ? 500 : undefined;
  };
  try {
    const first = order(user.id, a.id, 1);
    await new Promise((resolve) => setTimeout(resolve, 30));
    const [bad, ...rest] = await Promise.all([
      order(user.id, poison, 1),
      ...Array.from({ length: K }, () => order(user.id, a.id, 1)),
    ]);
    assert.equal((await first).status, 201);
    assert.deepEqual(
      rest.map((r) => r.status),
      Array(K).fill(201),
    );
    assert.ok(bad && bad.status >= 500, `the poisoned order: ${bad?.status} ${bad?.text}`);
    assert.match(bad.headers.get('content-type') ?? '', /^application\/problem\+json/);
    // The test means something only if the poisoned order did share a call with others.
    assert.ok(
      reserveGroups.some((g) => g.length > 1 && g.some((id) => id.includes(poison))),
      `groups: ${JSON.stringify(reserveGroups.map((g) => g.length))}`,
    );
  } finally {
    productsProxy.delayMs = 0;
    productsProxy.failWhen = undefined;
  }
  assert.equal(await stockOf(a.id), 50 - K - 1);
});

test('when products is unavailable to a whole group, then the group fails without a call per order', async () => {
  const user = await newUser();
  const a = await newProduct(50);
  const K = 12;
  let calls = 0;
  // Products overloaded: every reservation call is slow and answers 503.
  productsProxy.delayMs = 150;
  productsProxy.failWhen = (url) => {
    if (url !== '/internal/reservations/batch') return undefined;
    calls += 1;
    return 503;
  };
  try {
    const first = order(user.id, a.id, 1);
    await new Promise((resolve) => setTimeout(resolve, 30));
    const answers = await Promise.all([first, ...Array.from({ length: K }, () => order(user.id, a.id, 1))]);
    assert.deepEqual(
      answers.map((r) => r.status),
      Array(K + 1).fill(503),
    );
    // Two groups, each with its retries; sent again order by order, it would be K calls more.
    assert.ok(calls < K, `${K + 1} orders made ${calls} calls to an unavailable products`);
  } finally {
    productsProxy.delayMs = 0;
    productsProxy.failWhen = undefined;
  }
  assert.equal(await stockOf(a.id), 50);
  // The breaker may have opened: the next tests start once an order goes through again.
  await waitFor('orders to go through again', async () => (await order(user.id, a.id, 1)).status === 201, 10_000, 100);
});

test('when a recorded order never got its commit through, then the reconciler commits it and keeps the stock held', async () => {
  const user = await newUser();
  const a = await newProduct(5);
  const reconciled = await reconcilerCommits();
  const res = await order(user.id, a.id, 1);
  // The commit that follows the answer is undone, as if it had never reached products.
  await committedAfterAnswers([res.body.id], reconciled);
  await store.uncommit(res.body.id);
  await waitFor('reconciler to commit', async () => (await reservationStatus(res.body.id))[0] === 'committed', 10_000);
  assert.equal(await stockOf(a.id), 4);
  // Products records the commit before its answer reaches the reconciler, which counts it only then.
  await waitFor('the reconciler to count the commit', async () => (await reconcilerCommits()) >= reconciled + 1, 5_000);
});

test(`when ${CONFIRMED_ORDERS} confirmed orders exist, then a new orphan is released within grace plus one interval`, async () => {
  const user = await newUser();
  const bulk = await newProduct(10);
  // Thousands of confirmed orders in the state the order flow leaves them: recorded, reservation committed.
  // Older than the orphan, so a reconciler that read reservations oldest-first without their status would drown.
  const seeded = Date.now();
  await store.seedConfirmedOrders(user.id, bulk.id, CONFIRMED_ORDERS);
  initial.set(bulk.id, 10 + CONFIRMED_ORDERS);
  console.log(`# ${CONFIRMED_ORDERS} confirmed orders written in ${Date.now() - seeded} ms (${store.name})`);
  assert.equal(await store.committedReservations(bulk.id), CONFIRMED_ORDERS);

  const a = await newProduct(5);
  const orphanId = randomUUID();
  const held = await call(`${productsUrl}/internal/reservations`, {
    headers: await ordersIdentity('products'),
    body: { orderId: orphanId, items: [{ productId: a.id, quantity: 2 }] },
  });
  assert.equal(held.status, 201);
  const t0 = Date.now();
  await waitFor('the orphan to be released', async () => (await stockOf(a.id)) === 5, 30_000, 50);
  const tookMs = Date.now() - t0;
  assert.deepEqual(await reservationStatus(orphanId), ['released']);
  // One pass may be running when the grace ends; allow its own duration on this shared machine on top.
  const boundMs = GRACE_MS + INTERVAL_MS;
  console.log(`# orphan released after ${tookMs} ms (grace ${GRACE_MS} + interval ${INTERVAL_MS} = ${boundMs} ms)`);
  assert.ok(tookMs <= boundMs + 1000, `released after ${tookMs} ms, bound ${boundMs} ms`);
  // The committed thousands were never touched.
  assert.equal(await store.committedReservations(bulk.id), CONFIRMED_ORDERS);
});

test('when an order is cancelled while products is down, then 202 cancelling, and the stock comes back once products is', async () => {
  const user = await newUser();
  const a = await newProduct(5);
  const placed = await order(user.id, a.id, 3);
  assert.equal(placed.status, 201);
  assert.equal(await stockOf(a.id), 2);
  productsProxy.failWith = 503;
  let recovered = false;
  try {
    const res = await call(`${ordersUrl}/orders/${placed.body.id}/cancel`, { method: 'POST' });
    assert.deepEqual([res.status, res.body.status], [202, 'cancelling'], res.text);
    assert.equal((await call(`${ordersUrl}/orders/${placed.body.id}`)).body.status, 'cancelling');
    const again = await call(`${ordersUrl}/orders/${placed.body.id}/cancel`, { method: 'POST' });
    assert.deepEqual([again.status, again.body.status], [202, 'cancelling']);
    // Several reconciler passes fail while products is down; nothing is half done.
    await new Promise((r) => setTimeout(r, 3 * INTERVAL_MS));
    assert.equal(await stockOf(a.id), 2);
    productsProxy.failWith = undefined;
    recovered = true;
    const t0 = Date.now();
    await waitFor(
      'the pending cancel to finish',
      async () => (await call(`${ordersUrl}/orders/${placed.body.id}`)).body.status === 'cancelled',
      15_000,
      50,
    );
    console.log(`# pending cancel finished ${Date.now() - t0} ms after products came back`);
    assert.equal(await stockOf(a.id), 5);
    assert.deepEqual(await reservationStatus(placed.body.id), ['released']);
    const done = await call(`${ordersUrl}/orders/${placed.body.id}/cancel`, { method: 'POST' });
    assert.deepEqual([done.status, done.body.status], [200, 'cancelled']);
    assert.equal(await stockOf(a.id), 5);
  } finally {
    if (!recovered) productsProxy.failWith = undefined;
  }
});
