// A short, bounded load through the gateway that touches every metric the dashboards read: users, products (admin),
// cached reads, orders that succeed, fail for each client-side reason and get cancelled, and idempotent replays.
import { randomUUID } from 'node:crypto';

export interface Client {
  call(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<{ status: number; json: unknown }>;
  statuses: Map<string, number>;
}

export function client(gateway: string, adminToken: string): Client {
  const statuses = new Map<string, number>();
  return {
    statuses,
    async call(method, path, body, headers = {}) {
      const h: Record<string, string> = { ...headers };
      if (body !== undefined) h['content-type'] = 'application/json';
      // The load acts as an admin: it places and cancels orders for several users and writes the catalog.
      h.authorization ??= `Bearer ${adminToken}`;
      const res = await fetch(`${gateway}${path}`, {
        method,
        headers: h,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(15_000),
      });
      const text = await res.text();
      const key = `${method} ${path.replace(/[0-9a-f-]{36}/g, ':id').replace(/^(\/api\/articles\/)[^/?]+$/, '$1:slug')} ${res.status}`;
      statuses.set(key, (statuses.get(key) ?? 0) + 1);
      let json: unknown;
      try {
        json = text ? JSON.parse(text) : undefined;
      } catch {
        json = text;
      }
      return { status: res.status, json };
    },
  };
}

const idOf = (json: unknown): string => {
  const id = (json as { id?: unknown } | undefined)?.id;
  if (typeof id !== 'string') throw new Error(`expected an id in ${JSON.stringify(json)}`);
  return id;
};

export interface Catalog {
  users: string[];
  products: string[];
  /** A product with stock 1, for insufficient-stock failures. */
  scarce: string;
}

export async function createCatalog(c: Client, tag: string): Promise<Catalog> {
  const users: string[] = [];
  for (let i = 0; i < 4; i++) {
    const r = await c.call('POST', '/users', { name: `Load User ${i}`, email: `load-${tag}-${i}@example.com` });
    if (r.status !== 201) throw new Error(`create user: ${r.status} ${JSON.stringify(r.json)}`);
    users.push(idOf(r.json));
  }
  const products: string[] = [];
  for (let i = 0; i < 3; i++) {
    const r = await c.call('POST', '/products', {
      sku: `LOAD-${tag}-${i}`,
      name: `Load product ${i}`,
      priceCents: 1000 + i,
      currency: 'EUR',
      stock: 100_000,
    });
    if (r.status !== 201) throw new Error(`create product: ${r.status} ${JSON.stringify(r.json)}`);
    products.push(idOf(r.json));
  }
  const scarce = await c.call('POST', '/products', {
    sku: `LOAD-${tag}-scarce`,
    name: 'Scarce product',
    priceCents: 500,
    currency: 'EUR',
    stock: 1,
  });
  if (scarce.status !== 201) throw new Error(`create product: ${scarce.status} ${JSON.stringify(scarce.json)}`);
  return { users, products, scarce: idOf(scarce.json) };
}

const pick = <T>(xs: T[], i: number): T => xs[i % xs.length] as T;

export function placeOrder(c: Client, userId: string, productId: string, quantity = 1, key: string = randomUUID()) {
  return c.call('POST', '/orders', { userId, items: [{ productId, quantity }] }, { 'idempotency-key': key });
}

/** One round of normal traffic: reads (cache hits after the first), orders, a cancel, and one of each failure. */
export async function round(c: Client, cat: Catalog, i: number): Promise<void> {
  const user = pick(cat.users, i);
  const product = pick(cat.products, i);
  await c.call('GET', `/products/${product}`);
  await c.call('GET', `/products/${product}`);
  await c.call('GET', '/products');
  await c.call('GET', `/users/${user}`);
  const key = randomUUID();
  const placed = await placeOrder(c, user, product, 1, key);
  if (placed.status === 201) {
    const id = idOf(placed.json);
    await c.call('GET', `/orders/${id}`);
    await placeOrder(c, user, product, 1, key); // replayed
    if (i % 2 === 0) await c.call('POST', `/orders/${id}/cancel`);
  }
  await placeOrder(c, user, pick(cat.products, i + 1), 2, key); // same key, other body: idempotency conflict
  await placeOrder(c, randomUUID(), product); // unknown user
  await placeOrder(c, user, randomUUID()); // unknown product
  await placeOrder(c, user, cat.scarce, 2); // insufficient stock
  await c.call('GET', `/users/${randomUUID()}`); // 404
  // RealWorld (conduit) article reads, the article-read SLOs' traffic: the list, then one article of it.
  const list = await c.call('GET', '/api/articles?limit=20');
  const slug = (list.json as { articles?: { slug?: string }[] } | undefined)?.articles?.[i % 4]?.slug;
  if (slug) await c.call('GET', `/api/articles/${slug}`);
}
