// An in-memory stand-in for a Shipshape gateway that follows the public API, with switchable faults, so the tests
// can prove the acceptance suite passes a correct system and fails a wrong one.
import { realWorldStub } from './stub-realworld.ts';
import { randomUUID } from 'node:crypto';
import type { Caller, UserTokenVerifier } from '@shipshape/platform/auth';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Fault =
  | 'no-replay-header'
  | 'replay-creates-new-order'
  | 'stock-not-reserved'
  | 'stock-not-restored'
  | 'cancel-not-idempotent'
  | 'internal-routed'
  | 'plain-json-errors'
  | 'no-request-id'
  | 'stale-cache-after-patch'
  | 'delete-keeps-user'
  | 'cache-never-hits'
  | 'dies-on-hangup'
  /** Not a fault: a production system without the sample data. */
  | 'unseeded';

interface User {
  id: string;
  name: string;
  email: string;
  createdAt: string;
  updatedAt: string;
}
interface Product {
  id: string;
  sku: string;
  name: string;
  description: string;
  priceCents: number;
  currency: string;
  stock: number;
  createdAt: string;
  updatedAt: string;
}
interface OrderItem {
  productId: string;
  quantity: number;
  unitPriceCents: number;
}
interface Order {
  id: string;
  userId: string;
  status: 'confirmed' | 'cancelled';
  items: OrderItem[];
  totalCents: number;
  currency: string;
  createdAt: string;
}
interface Stored {
  request: string;
  status: number;
  body: unknown;
}

type Body = Record<string, unknown>;

export interface StubSystem {
  url: string;
  users: Map<string, User>;
  products: Map<string, Product>;
  orders: Map<string, Order>;
  close(): Promise<void>;
}

const now = () => new Date().toISOString();

export async function startStubSystem(verifier: UserTokenVerifier, faults: readonly Fault[] = []): Promise<StubSystem> {
  const has = (fault: Fault) => faults.includes(fault);
  const users = new Map<string, User>();
  const products = new Map<string, Product>();
  const orders = new Map<string, Order>();
  const keys = new Map<string, Stored>();
  const cachedUsers = new Map<string, User>();

  const seedUser: User = {
    id: randomUUID(),
    name: 'Ada Lovelace',
    email: 'ada@example.com',
    createdAt: now(),
    updatedAt: now(),
  };
  if (!has('unseeded')) users.set(seedUser.id, seedUser);
  const seedProduct: Product = {
    id: randomUUID(),
    sku: 'SEED-1',
    name: 'Seed',
    description: 'seeded',
    priceCents: 999,
    currency: 'USD',
    stock: 10,
    createdAt: now(),
    updatedAt: now(),
  };
  if (!has('unseeded')) products.set(seedProduct.id, seedProduct);

  const send = (res: ServerResponse, status: number, body?: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers });
    res.end(body === undefined ? undefined : JSON.stringify(body));
  };
  const problem = (res: ServerResponse, status: number, detail: string, errors?: unknown[]) => {
    const type = has('plain-json-errors') ? 'application/json' : 'application/problem+json';
    res.writeHead(status, { 'content-type': type });
    res.end(
      JSON.stringify({
        type: `https://shipshape.dev/problems/${status}`,
        title: `HTTP ${status}`,
        status,
        detail,
        ...(errors ? { errors } : {}),
      }),
    );
  };
  /** null: anonymous; undefined: a token was sent and is not valid. */
  const callerOf = async (req: IncomingMessage): Promise<Caller | null | undefined> => {
    const header = req.headers.authorization;
    if (header === undefined) return null;
    const [, token] = /^Bearer (.+)$/.exec(header) ?? [];
    if (!token) return undefined;
    return verifier.verify(token).catch(() => undefined);
  };
  const admin = (caller: Caller | null, res: ServerResponse): boolean => {
    if (!caller) problem(res, 401, 'a bearer token is required');
    else if (!caller.isAdmin) problem(res, 403, 'admin role required');
    return caller?.isAdmin === true;
  };
  const signedIn = (caller: Caller | null, res: ServerResponse): caller is Caller => {
    if (!caller) problem(res, 401, 'a bearer token is required');
    return caller !== null;
  };
  const mayActFor = (caller: Caller, userId: string) => caller.isAdmin || caller.sub === userId;

  const createOrder = (body: Body): { status: number; body: unknown } => {
    const user = typeof body.userId === 'string' ? users.get(body.userId) : undefined;
    if (!user) return { status: 422, body: { detail: `unknown user ${String(body.userId)}` } };
    const items: OrderItem[] = [];
    for (const item of (body.items as Body[] | undefined) ?? []) {
      const product = products.get(String(item.productId));
      if (!product) return { status: 422, body: { detail: `unknown product ${String(item.productId)}` } };
      const quantity = Number(item.quantity);
      if (product.stock < quantity)
        return { status: 409, body: { detail: `insufficient stock for product ${product.id}` } };
      items.push({ productId: product.id, quantity, unitPriceCents: product.priceCents });
    }
    for (const item of items) {
      const product = products.get(item.productId)!;
      if (!has('stock-not-reserved')) product.stock -= item.quantity;
    }
    const order: Order = {
      id: randomUUID(),
      userId: user.id,
      status: 'confirmed',
      items,
      totalCents: items.reduce((sum, i) => sum + i.quantity * i.unitPriceCents, 0),
      currency: 'USD',
      createdAt: now(),
    };
    orders.set(order.id, order);
    return { status: 201, body: order };
  };

  const realWorld = realWorldStub();
  const route = (req: IncomingMessage, res: ServerResponse, url: URL, body: Body, caller: Caller | null) => {
    const path = url.pathname;
    const method = req.method ?? 'GET';
    let m: RegExpExecArray | null;
    if (path.startsWith('/api/')) return realWorld(req, res, url, body);
    if (path.startsWith('/internal/'))
      return has('internal-routed') ? send(res, 200, {}) : problem(res, 404, `no route ${path}`);
    if (method === 'GET' && path === '/')
      return send(res, 200, { service: 'gateway', company: 'Stub Corp', version: '0.0.0' });
    if (method === 'GET' && (path === '/health' || path === '/ready')) return send(res, 200, { status: 'ok' });
    if (method === 'GET' && path === '/docs/json') {
      return send(res, 200, {
        openapi: '3.1.0',
        info: { title: 'Stub Corp', version: '0.0.0' },
        paths: { '/users': {}, '/products': {}, '/orders': {} },
      });
    }

    if (method === 'POST' && path === '/users') {
      const errors = [];
      if (typeof body.name !== 'string' || body.name.length === 0)
        errors.push({ field: 'name', message: 'must not be empty' });
      if (typeof body.email !== 'string' || !/^[^@\s]+@[^@\s]+$/.test(body.email))
        errors.push({ field: 'email', message: 'must be an email' });
      if (errors.length > 0) return problem(res, 400, 'invalid user', errors);
      const email = String(body.email);
      if ([...users.values()].some((u) => u.email.toLowerCase() === email.toLowerCase()))
        return problem(res, 409, 'email taken');
      const id = caller && !caller.isAdmin ? caller.sub : randomUUID();
      if (users.has(id)) return problem(res, 409, 'the subject already has a record');
      const user: User = { id, name: String(body.name), email, createdAt: now(), updatedAt: now() };
      users.set(user.id, user);
      return send(res, 201, user);
    }
    if (method === 'GET' && path === '/users') {
      if (!admin(caller, res)) return;
      const limit = Number(url.searchParams.get('limit') ?? 20);
      const start = Number(url.searchParams.get('cursor') ?? 0);
      const all = [...users.values()];
      const items = all.slice(start, start + limit);
      return send(res, 200, { items, nextCursor: start + limit < all.length ? String(start + limit) : null });
    }
    m = /^\/users\/([^/]+)$/.exec(path);
    if (m) {
      const id = m[1]!;
      if (!signedIn(caller, res)) return;
      if (!mayActFor(caller, id)) return problem(res, 404, `no user ${id}`);
      const user = users.get(id);
      if (method === 'GET') {
        const cached = cachedUsers.get(id);
        if (cached) return send(res, 200, cached, { 'x-cache': 'hit' });
        if (!user) return problem(res, 404, `no user ${id}`);
        if (!has('cache-never-hits')) cachedUsers.set(id, { ...user });
        return send(res, 200, user, { 'x-cache': 'miss' });
      }
      if (!user) return problem(res, 404, `no user ${id}`);
      if (method === 'PATCH') {
        if (typeof body.name === 'string') user.name = body.name;
        user.updatedAt = now();
        if (!has('stale-cache-after-patch')) cachedUsers.delete(id);
        return send(res, 200, user);
      }
      if (method === 'DELETE') {
        if (!has('delete-keeps-user')) {
          users.delete(id);
          cachedUsers.delete(id);
        }
        return send(res, 204);
      }
    }

    if (method === 'GET' && path === '/products')
      return send(res, 200, { items: [...products.values()], nextCursor: null });
    if (method === 'POST' && path === '/products') {
      if (!admin(caller, res)) return;
      const product: Product = {
        id: randomUUID(),
        sku: String(body.sku),
        name: String(body.name),
        description: String(body.description ?? ''),
        priceCents: Number(body.priceCents),
        currency: String(body.currency),
        stock: Number(body.stock),
        createdAt: now(),
        updatedAt: now(),
      };
      products.set(product.id, product);
      return send(res, 201, product);
    }
    m = /^\/products\/([^/]+)$/.exec(path);
    if (m) {
      const product = products.get(m[1]!);
      if (method === 'DELETE') {
        if (!admin(caller, res)) return;
        if (!product) return problem(res, 404, 'no product');
        products.delete(product.id);
        return send(res, 204);
      }
      if (method === 'GET') {
        // A short think time, so clients that hang up do so while the request is in flight.
        setTimeout(
          () => (product ? send(res, 200, product, { 'x-cache': 'miss' }) : problem(res, 404, 'no product')),
          15,
        );
        return;
      }
    }

    if (method === 'POST' && path === '/orders') {
      if (!signedIn(caller, res)) return;
      const userId = typeof body.userId === 'string' ? body.userId : caller.sub;
      if (!mayActFor(caller, userId)) return problem(res, 403, 'orders are placed for the token subject only');
      body.userId = userId;
      const key = `${caller.sub}:${String(req.headers['idempotency-key'] ?? '')}`;
      if (key.endsWith(':')) return problem(res, 400, 'Idempotency-Key is required');
      const request = JSON.stringify(body);
      const stored = keys.get(key);
      if (stored && !has('replay-creates-new-order')) {
        if (stored.request !== request) return problem(res, 422, 'Idempotency-Key reused with a different body');
        return send(res, stored.status, stored.body, has('no-replay-header') ? {} : { 'idempotent-replayed': 'true' });
      }
      const outcome = createOrder(body);
      if (outcome.status !== 201) return problem(res, outcome.status, String((outcome.body as Body).detail));
      keys.set(key, { request, ...outcome });
      return send(res, outcome.status, outcome.body);
    }
    if (method === 'GET' && path === '/orders') {
      if (!signedIn(caller, res)) return;
      const userId = url.searchParams.get('userId') ?? caller.sub;
      if (!mayActFor(caller, userId)) return problem(res, 403, 'your own orders only');
      return send(res, 200, { items: [...orders.values()].filter((o) => o.userId === userId), nextCursor: null });
    }
    m = /^\/orders\/([^/]+)(\/cancel)?$/.exec(path);
    if (m) {
      if (!signedIn(caller, res)) return;
      const order = orders.get(m[1]!);
      if (!order || !mayActFor(caller, order.userId)) return problem(res, 404, 'no order');
      if (method === 'GET' && !m[2]) return send(res, 200, order);
      if (method === 'POST' && m[2]) {
        if (order.status === 'cancelled' && has('cancel-not-idempotent')) return problem(res, 409, 'already cancelled');
        if (order.status === 'confirmed' && !has('stock-not-restored')) {
          for (const item of order.items) {
            const product = products.get(item.productId);
            if (product) product.stock += item.quantity;
          }
        }
        order.status = 'cancelled';
        return send(res, 200, order);
      }
    }
    return problem(res, 404, `no route ${method} ${path}`);
  };

  const server: Server = createServer((req, res) => {
    res.on('close', () => {
      if (!res.writableFinished && has('dies-on-hangup') && server.listening) {
        server.close();
        server.closeAllConnections();
      }
    });
    const requestId = req.headers['x-request-id'];
    if (typeof requestId === 'string' && !has('no-request-id')) res.setHeader('x-request-id', requestId);
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString();
      let body: Body = {};
      try {
        body = raw ? (JSON.parse(raw) as Body) : {};
      } catch {
        return problem(res, 400, 'body is not JSON');
      }
      const url = new URL(req.url ?? '/', 'http://stub');
      // The RealWorld API authenticates with its own Token scheme.
      if (url.pathname.startsWith('/api/')) return route(req, res, url, body, null);
      void callerOf(req).then((caller) =>
        caller === undefined ? problem(res, 401, 'the token is invalid') : route(req, res, url, body, caller),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    users,
    products,
    orders,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        if (!server.listening) return resolve();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
