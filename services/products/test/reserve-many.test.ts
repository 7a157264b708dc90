// catalog.reserve_many, the statement that holds a group of orders' stock, against a model of what it promises
// (migrations/1764400000000_reserve-many.sql): each order, in the order given, held whole or not at all against the
// stock the orders before it left; `exists` for an order that holds a reservation already; otherwise the first
// failing line, in product order, names the product. Random groups, each on products of its own, small stocks so
// that every outcome occurs often. PostgreSQL only: the DynamoDB store holds a group in its own way (products.test.ts
// runs the group API on both stores).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestDatabase, type TestDatabase } from '../../../test/support/database.ts';
import { TEST_STORE } from '../../../test/support/stores.ts';

const postgres = TEST_STORE === 'postgres';
let db: TestDatabase;

before(async () => {
  if (postgres) db = await createTestDatabase();
});
after(async () => {
  if (postgres) await db.drop();
});

interface Product {
  id: string;
  stock: number;
  priceCents: number;
  live: boolean;
}
interface Line {
  orderId: string;
  productId: string;
  quantity: number;
  priceCents: number;
  currency: string;
}
interface Answer {
  order_id: string;
  outcome: string;
  product_id: string | null;
  available: number | null;
}

/** A small seeded generator (mulberry32), so a failing group can be made again from the seed in the message. */
function generator(seed: number) {
  let a = seed;
  return (n: number) => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
  };
}

/** What the function promises, for one group: the answers, and each product's stock and held lines after it. */
function model(products: Product[], taken: Set<string>, lines: Line[]) {
  const stock = new Map(products.filter((p) => p.live).map((p) => [p.id, p]));
  const left = new Map([...stock.values()].map((p) => [p.id, p.stock]));
  const answers: Answer[] = [];
  const held: Line[] = [];
  for (let i = 0; i < lines.length; ) {
    const orderId = (lines[i] as Line).orderId;
    const order: Line[] = [];
    while (i < lines.length && (lines[i] as Line).orderId === orderId) order.push(lines[i++] as Line);
    const answer: Answer = { order_id: orderId, outcome: 'held', product_id: null, available: null };
    if (taken.has(orderId)) answer.outcome = 'exists';
    else
      for (const line of order) {
        const product = stock.get(line.productId);
        const available = left.get(line.productId) ?? 0;
        if (!product) answer.outcome = 'unknown-product';
        else if (product.priceCents !== line.priceCents || line.currency !== 'USD') answer.outcome = 'repriced';
        else if (available < line.quantity) {
          answer.outcome = 'insufficient-stock';
          answer.available = available;
        }
        if (answer.outcome !== 'held') {
          answer.product_id = line.productId;
          break;
        }
      }
    if (answer.outcome === 'held') {
      for (const line of order) left.set(line.productId, (left.get(line.productId) ?? 0) - line.quantity);
      held.push(...order);
      taken.add(orderId);
    }
    answers.push(answer);
  }
  return { answers, left, held };
}

test('when random groups are held, then every answer, stock and held line is what the model says', {
  skip: !postgres,
}, async () => {
  const seed = Number(process.env.RESERVE_MANY_SEED ?? Date.now() % 1_000_000);
  const rnd = generator(seed);
  // Ids from the same generator: they decide the lock and line order, so the seed alone makes a group again.
  const uuid = () => {
    const h = Array.from({ length: 32 }, () => rnd(16).toString(16)).join('');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20)}`;
  };
  const seen = new Map<string, number>();
  for (let round = 0; round < 150; round++) {
    const products: Product[] = Array.from({ length: 1 + rnd(4) }, () => ({
      id: uuid(),
      stock: rnd(6),
      priceCents: 100 + rnd(2),
      live: rnd(8) > 0,
    }));
    for (const p of products)
      await db.query(
        `INSERT INTO catalog.products (id, sku, name, price_cents, currency, stock, deleted_at)
         VALUES ($1, $2, 'Widget', $3, 'USD', $4, CASE WHEN $5 THEN NULL ELSE now() END)`,
        [p.id, `RM-${p.id.slice(0, 8)}`, p.priceCents, p.stock, p.live],
      );
    // An order that holds a reservation already (a retry), on the first product when it is live.
    const retried = uuid();
    const first = products[0] as Product;
    const taken = new Set<string>();
    if (first.live) {
      await db.query(
        `INSERT INTO catalog.reservations (order_id, product_id, quantity, unit_price_cents, currency)
         VALUES ($1, $2, 1, $3, 'USD')`,
        [retried, first.id, first.priceCents],
      );
      taken.add(retried);
    }
    // Up to 10 orders of 1 to 3 lines, each product at most once per order, lines sorted by product as sent.
    const lines: Line[] = [];
    for (let o = 0, orders = 1 + rnd(10); o < orders; o++) {
      const orderId = o === 0 && first.live && rnd(3) === 0 ? retried : uuid();
      const order: Line[] = [];
      for (let l = 0, count = 1 + rnd(3); l < count; l++) {
        const product = rnd(10) === 0 ? undefined : products[rnd(products.length)];
        const productId = product?.id ?? uuid();
        if (order.some((x) => x.productId === productId)) continue;
        order.push({
          orderId,
          productId,
          quantity: 1 + rnd(3),
          priceCents: rnd(12) === 0 ? 999 : (product?.priceCents ?? 100),
          currency: rnd(15) === 0 ? 'EUR' : 'USD',
        });
      }
      lines.push(...order.sort((a, b) => (a.productId < b.productId ? -1 : 1)));
    }
    const expected = model(products, taken, lines);
    const res = await db.query<Answer>(
      `SELECT order_id, outcome, product_id, available
         FROM catalog.reserve_many($1::uuid[], $2::uuid[], $3::int[], $4::bigint[], $5::text[])`,
      [
        lines.map((l) => l.orderId),
        lines.map((l) => l.productId),
        lines.map((l) => l.quantity),
        lines.map((l) => l.priceCents),
        lines.map((l) => l.currency),
      ],
    );
    const where = `seed ${seed}, round ${round}`;
    assert.deepEqual(res.rows, expected.answers, where);
    const ids = products.map((p) => p.id);
    const stocks = await db.query<{ id: string; stock: number }>(
      'SELECT id, stock FROM catalog.products WHERE id = ANY($1::uuid[]) AND deleted_at IS NULL',
      [ids],
    );
    assert.deepEqual(new Map(stocks.rows.map((r) => [r.id, r.stock])), expected.left, where);
    const recorded = await db.query<{ order_id: string; product_id: string; quantity: number }>(
      `SELECT order_id, product_id, quantity FROM catalog.reservations
       WHERE product_id = ANY($1::uuid[]) AND order_id <> $2 ORDER BY order_id, product_id`,
      [ids, retried],
    );
    const key = (r: { order_id: string; product_id: string }) => `${r.order_id}/${r.product_id}`;
    assert.deepEqual(
      recorded.rows.map((r) => [key(r), r.quantity]),
      expected.held
        .map((l) => [key({ order_id: l.orderId, product_id: l.productId }), l.quantity] as const)
        .sort((a, b) => (a[0] < b[0] ? -1 : 1)),
      where,
    );
    for (const a of res.rows) seen.set(a.outcome, (seen.get(a.outcome) ?? 0) + 1);
  }
  // Every outcome was exercised, so the comparison above covered each branch.
  for (const outcome of ['held', 'exists', 'unknown-product', 'repriced', 'insufficient-stock'])
    assert.ok((seen.get(outcome) ?? 0) > 0, `no group answered ${outcome} (seed ${seed})`);
});
