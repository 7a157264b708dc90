// A stand-in for a service behind the gateway: a plain Fastify server on a random port that records every request
// it receives and answers as the test tells it to (status, headers, body, delay, or a dropped connection).
import type { IncomingHttpHeaders } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import Fastify from 'fastify';

export interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: unknown;
  /** performance.now() when it arrived. */
  at: number;
}

export interface StubAnswer {
  status?: number;
  headers?: Record<string, string>;
  /** Sent as JSON unless it is a string. */
  body?: unknown;
  delayMs?: number;
  /** Close the connection without answering. */
  drop?: boolean;
}

export type StubHandler = (req: Received, nth: number) => StubAnswer | Promise<StubAnswer>;

export interface Stub {
  name: string;
  url: string;
  received: Received[];
  /** Requests other than for /docs/json. */
  calls(): Received[];
  answer(handler: StubHandler): void;
  /** Serve this as /docs/json. */
  docs(document: unknown): void;
  close(): Promise<void>;
}

const echo: StubHandler = (req) => ({ status: 200, body: { method: req.method, url: req.url } });

export async function startStub(name: string, handler: StubHandler = echo): Promise<Stub> {
  const app = Fastify({ logger: false, bodyLimit: 10 * 1024 * 1024, forceCloseConnections: true });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (req, body, done) => {
    const type = req.headers['content-type'] ?? '';
    try {
      done(null, type.includes('json') && body !== '' ? JSON.parse(body as string) : body);
    } catch (err) {
      done(err as Error, undefined);
    }
  });
  const received: Received[] = [];
  let current = handler;
  let document: unknown;
  let nth = 0;
  app.route({
    method: ['GET', 'POST', 'PATCH', 'PUT', 'DELETE', 'HEAD', 'OPTIONS'],
    url: '/*',
    handler: async (request, reply) => {
      const req: Received = {
        method: request.method,
        url: request.url,
        headers: request.headers,
        body: request.body,
        at: performance.now(),
      };
      received.push(req);
      if (request.url === '/docs/json' && document !== undefined) return reply.send(document);
      const a = await current(req, nth++);
      if (a.delayMs) await sleep(a.delayMs);
      if (a.drop) {
        request.raw.socket.destroy();
        return reply;
      }
      for (const [k, v] of Object.entries(a.headers ?? {})) reply.header(k, v);
      reply.code(a.status ?? 200);
      if (a.body === undefined) return reply.send();
      return typeof a.body === 'string' ? reply.send(a.body) : reply.send(a.body);
    },
  });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    name,
    url,
    received,
    calls: () => received.filter((r) => r.url !== '/docs/json'),
    answer: (h) => {
      current = h;
      nth = 0;
    },
    docs: (d) => {
      document = d;
    },
    close: () => app.close(),
  };
}

export interface Stubs {
  users: Stub;
  products: Stub;
  orders: Stub;
  conduit: Stub;
  close(): Promise<void>;
}

/** One stub per service behind the gateway. */
export async function startStubs(): Promise<Stubs> {
  const [users, products, orders, conduit] = await Promise.all([
    startStub('users'),
    startStub('products'),
    startStub('orders'),
    startStub('conduit'),
  ]);
  return {
    users,
    products,
    orders,
    conduit,
    close: async () => void (await Promise.all([users.close(), products.close(), orders.close(), conduit.close()])),
  };
}
