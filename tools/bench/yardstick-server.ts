// The yardsticks, each a bare Fastify in its own process, as the services run in theirs:
//   hello                     a hello-world (what Node and Fastify cost)
//   redis-get <redis> <key>   sends the JSON stored at <key> after one Redis GET per request (a cache read's floor)
//   proxy <upstream>          @fastify/reply-from in front of <upstream> (a proxy's floor)
//   platform-redis-get <redis> <key>
//                             the same Redis GET built as every service is (libs/platform createService: request id,
//                             child logger, metrics, span, auth plugin, problem errors, input guard): what the
//                             platform's per-request duties cost a cache read, apart from the service's own code
//   platform-proxy <upstream> [duties] [redis]
//                             the same proxy built as every service is (libs/platform createService: request id,
//                             child logger, metrics, span, auth plugin, problem errors, input guard), plus the
//                             gateway's own duties named in the comma-separated list, each the gateway's own code:
//                             client (its Upstream in place of reply-from: the relay through the service client, with
//                             deadline, retries, breaker, client metrics, forwarded headers, client span), ratelimit (in Redis
//                             at [redis], as the gateway), headers (security headers) and guard (the path guard).
//                             The steps between a bare proxy and the gateway, so each duty's cost shows.
//   read-floor <redis> <key>  the floor under the direct read: a bare Fastify with only the least a service must do for
//                             a cached read, written by hand in the fewest steps (a request id taken or made and
//                             answered, a request logger at warn, the in-flight gauge and the duration histogram of
//                             every service in one hook each, the route's params schema, the anonymous caller let
//                             through, a hit from an in-process cache marked X-Cache), sending the JSON stored at <key>
//                             (read from Redis once, at start), with the V8 sizing of the services
//   gateway-floor <upstream> <redis> [limit]
//                             the floor under the gateway read: a bare Fastify that does only the least a public entry
//                             must do for a read it relays, written by hand in the fewest steps (a request id taken or
//                             made, answered and passed on; a trace context passed on; the security headers; a path
//                             guard; a per-client rate limit counted locally and added to a shared count in Redis
//                             every 50 ms, with its three headers; a deadline and a breaker on the call; X-Forwarded-For and -Proto; the
//                             in-flight gauge and the duration histogram), relaying the answer of <upstream> through a
//                             pool of kept-alive connections, with the V8 sizing of the services; [limit] in place of
//                             the gateway's RATE_LIMIT_MAX
//   order-stock <database>    products' part of a bare order: one UPDATE that takes stock from a product, per request
//   order-place <database> <users> <stock>
//                             orders' part of a bare order, with none of the platform and no grouping: the key's INSERT
//                             beside a GET of <users> (a hello-world), a POST to <stock>, the order's INSERT, the answer.
//                             Behind the bare proxy, the hops of an order on the fewest instructions Node allows: the
//                             floor under the order goals (order-path.ts makes its tables).
// Prints {"url"} on stdout once it listens; stops on SIGTERM.
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import replyFrom from '@fastify/reply-from';
import { Redis } from 'ioredis';
import pg from 'pg';
import { Pool as HttpPool } from 'undici';
import { BENCH_RATE_LIMIT_MAX } from './http.ts';

const [mode = 'hello', target = '', key = '', redisArg] = process.argv.slice(2);
const app = Fastify({ logger: false });
/** The services' default pool size (DATABASE_POOL_MAX). */
const DATABASE_POOL_MAX = 10;
let redis: Redis | undefined;

/** Connects to Redis at `url`, or exits saying why (the benchmark then reports the yardstick as not started). */
async function connectRedis(url: string): Promise<Redis> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await client.connect().catch((err: Error) => {
    process.stderr.write(`${mode} yardstick: Redis at ${url} is unreachable (${err.message})\n`);
    process.exit(1);
  });
  redis = client;
  return client;
}

/** Sends the JSON stored at `key`, read from Redis for this request. */
async function sendStored(client: Redis, reply: FastifyReply) {
  const body = await client.get(key);
  if (body === null) return reply.code(404).send();
  return reply.type('application/json; charset=utf-8').send(body);
}

/** A Fastify app built as every service is, with the services' defaults and the log level the benchmark gives them. */
async function platformApp(description: string) {
  const { createService } = await import('@shipshape/platform/service');
  const config = { LOG_LEVEL: 'warn', COMPANY_NAME: 'Shipshape', BODY_TIMEOUT_MS: 10_000, OTEL_SDK_DISABLED: false };
  return createService({ name: 'yardstick', version: '0.0.0', description, config, docs: false });
}

if (mode === 'hello') {
  app.get('/', async () => ({ hello: 'world' }));
} else if (mode === 'redis-get') {
  const client = await connectRedis(target);
  app.get('/*', (_request, reply) => sendStored(client, reply));
} else if (mode === 'proxy') {
  await app.register(replyFrom, { base: target });
  app.all('/*', (request, reply) => {
    void reply.from(request.url);
  });
} else if (mode === 'order-stock') {
  const db = new pg.Pool({ connectionString: target, max: DATABASE_POOL_MAX });
  app.addHook('onClose', () => db.end());
  app.post<{ Body: { productId: number; quantity: number } }>('/reservations', async (request, reply) => {
    const { rows } = await db.query<{ stock: number }>(
      'UPDATE order_path_stock SET stock = stock - $2 WHERE id = $1 AND stock >= $2 RETURNING stock',
      [request.body.productId, request.body.quantity],
    );
    if (rows.length === 0) return reply.code(409).send({ detail: 'insufficient stock' });
    return { productId: request.body.productId, stock: rows[0]?.stock };
  });
} else if (mode === 'order-place') {
  const db = new pg.Pool({ connectionString: target, max: DATABASE_POOL_MAX });
  const users = new HttpPool(key, { connections: DATABASE_POOL_MAX * 2 });
  const stock = new HttpPool(redisArg ?? '', { connections: DATABASE_POOL_MAX * 2 });
  app.addHook('onClose', () => Promise.all([db.end(), users.close(), stock.close()]));
  app.post<{ Body: { userId: string; productId: number; quantity: number } }>('/orders', async (request, reply) => {
    const { userId, productId, quantity } = request.body;
    const idempotencyKey = String(request.headers['idempotency-key']);
    const [claimed, user] = await Promise.all([
      db.query('INSERT INTO order_path_keys (key) VALUES ($1) ON CONFLICT DO NOTHING', [idempotencyKey]),
      users.request({ path: '/', method: 'GET' }).then((r) => r.body.json()),
    ]);
    if (claimed.rowCount !== 1) return reply.code(409).send({ detail: 'key used' });
    if (!user) return reply.code(422).send({ detail: 'unknown user' });
    const reserved = await stock.request({
      path: '/reservations',
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ productId, quantity }),
    });
    await reserved.body.dump();
    if (reserved.statusCode !== 200) return reply.code(409).send({ detail: 'insufficient stock' });
    const { rows } = await db.query(
      'INSERT INTO order_path_orders (key, user_id, product_id, quantity) VALUES ($1, $2, $3, $4) RETURNING *',
      [idempotencyKey, userId, productId, quantity],
    );
    return reply.code(201).send(rows[0]);
  });
} else if (mode === 'read-floor') {
  await listenPlatform(await readFloor(await connectRedis(target)));
} else if (mode === 'gateway-floor') {
  await listenPlatform(await gatewayFloor(target, await connectRedis(key)));
} else if (mode === 'platform-redis-get') {
  const client = await connectRedis(target);
  const platform = await platformApp('A bare Redis GET on the platform.');
  platform.get('/*', { config: { access: 'public' }, schema: { hide: true } }, (_request, reply) =>
    sendStored(client, reply),
  );
  await listenPlatform(platform);
} else if (mode === 'platform-proxy') {
  const { breakerOptions } = await import('@shipshape/platform/config');
  const { securityHeaders } = await import('@shipshape/platform/security-headers');
  const { readConfig } = await import('../../services/gateway/src/config.ts');
  const { default: rateLimit } = await import('../../services/gateway/src/rate-limit.ts');
  const { rejectForbiddenPaths } = await import('../../services/gateway/src/proxy/path-guard.ts');
  const { Upstream } = await import('../../services/gateway/src/proxy/upstream.ts');
  const platform = await platformApp('A bare proxy on the platform.');
  const duties = new Set(key.split(',').filter(Boolean));
  // The gateway's defaults; the identity settings are required but unused here (the route is public).
  const gateway = readConfig({
    RATE_LIMIT_MAX: BENCH_RATE_LIMIT_MAX,
    AUTH_ISSUER: 'https://issuer.invalid',
    AUTH_AUDIENCE: 'shipshape',
  });
  if (duties.has('guard')) platform.addHook('onRequest', rejectForbiddenPaths);
  if (duties.has('headers')) await platform.register(securityHeaders);
  if (duties.has('ratelimit'))
    await platform.register(rateLimit, {
      max: gateway.RATE_LIMIT_MAX,
      windowMs: gateway.RATE_LIMIT_WINDOW_MS,
      redisUrl: redisArg || undefined,
      redisPrefix: `${gateway.RATE_LIMIT_REDIS_PREFIX}yardstick:`,
    });
  const upstream = duties.has('client')
    ? new Upstream(
        {
          target: 'products',
          baseUrl: target,
          timeoutMs: gateway.UPSTREAM_TIMEOUT_MS,
          retries: gateway.UPSTREAM_RETRIES,
          breaker: breakerOptions(gateway),
        },
        { metrics: platform.metrics, tracing: platform.tracing, log: platform.log },
      )
    : undefined;
  if (upstream) {
    platform.addHook('onClose', () => upstream.close());
    platform.get<{ Params: { '*': string } }>(
      '/*',
      { config: { access: 'public' }, schema: { hide: true } },
      (request, reply) => upstream.forward(request, reply, `/${request.params['*']}`),
    );
  } else {
    await platform.register(replyFrom, { base: target });
    platform.get('/*', { config: { access: 'public' }, schema: { hide: true } }, (request, reply) => {
      void reply.from(request.url);
    });
  }
  await listenPlatform(platform);
} else {
  process.stderr.write(`unknown yardstick ${mode}\n`);
  process.exit(2);
}

/** The read floor (see the modes above): the duties of a cached read, each in its fewest steps, and nothing more. */
async function readFloor(client: Redis) {
  const { IdParams } = await import('@shipshape/platform/schemas');
  const stored = await client.get(key);
  const cache = new Map<string, string>();
  const { floor, inFlight } = await floorBase();
  floor.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    inFlight.inc();
    done();
  });
  floor.get<{ Params: { id: string } }>('/products/:id', { schema: { params: IdParams } }, (request, reply) => {
    // A public read: a caller with credentials would have them verified; an anonymous one passes. A handler that
    // returns nothing: no promise.
    if (request.headers.authorization !== undefined) {
      reply.code(401).send();
      return;
    }
    const cacheKey = `product:${request.params.id}`;
    let json = cache.get(cacheKey);
    if (json === undefined && stored !== null) {
      json = stored;
      cache.set(cacheKey, json);
    }
    if (json === undefined) reply.code(404).send();
    else reply.header('x-cache', 'hit').type('application/json; charset=utf-8').send(json);
  });
  return floor;
}

/**
 * The base of both floors, by hand: a request id taken or made, a request logger made only if the request writes a
 * line (none at warn, as the services' logger), and the in-flight gauge and duration histogram every service keeps,
 * by method, route and status class, exposed at /metrics. Each floor adds its own onRequest hook (which counts the
 * request in flight) and routes.
 */
async function floorBase() {
  const { Gauge, Histogram, Registry } = await import('prom-client');
  const { requestIdFrom } = await import('@shipshape/platform/service');
  const { RequestLog } = await import('@shipshape/platform/tracing');
  const { LATENCY_BUCKETS, statusClass } = await import('@shipshape/platform/metrics');
  const floor = Fastify({
    logger: { level: 'warn' },
    genReqId: requestIdFrom,
    childLoggerFactory: (logger, bindings, opts) => RequestLog.of(logger, bindings, opts),
  });
  const registry = new Registry();
  const inFlight = new Gauge({ name: 'http_requests_in_flight', help: 'Requests in flight.', registers: [registry] });
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Request duration.',
    labelNames: ['method', 'route', 'status_class'],
    buckets: [...LATENCY_BUCKETS],
    registers: [registry],
  });
  floor.addHook('onResponse', (request, reply, done) => {
    inFlight.dec();
    duration.observe(
      {
        method: request.method,
        route: request.routeOptions.url ?? 'unmatched',
        status_class: statusClass(reply.statusCode),
      },
      reply.elapsedTime / 1000,
    );
    done();
  });
  floor.get('/metrics', async (_request, reply) => reply.type(registry.contentType).send(await registry.metrics()));
  return { floor, inFlight };
}

/** The gateway floor (see the modes above): a public entry's duties for a relayed read, each in its fewest steps. */
async function gatewayFloor(upstream: string, client: Redis) {
  const { randomBytes, randomUUID } = await import('node:crypto');
  const { SECURITY_HEADERS } = await import('@shipshape/platform/security-headers');
  const { rejectForbiddenPaths } = await import('../../services/gateway/src/proxy/path-guard.ts');
  const { readConfig } = await import('../../services/gateway/src/config.ts');
  // The gateway's defaults; the identity settings are required but unused here.
  const config = readConfig({ AUTH_ISSUER: 'https://issuer.invalid', AUTH_AUDIENCE: 'shipshape' });
  const { floor, inFlight } = await floorBase();
  const pool = new HttpPool(upstream, {
    connections: 128,
    headersTimeout: config.UPSTREAM_TIMEOUT_MS,
    bodyTimeout: config.UPSTREAM_TIMEOUT_MS,
  });
  floor.addHook('onClose', () => pool.close());

  // The rate limit: each client's hits counted here, added to its shared count in one pipeline every 50 ms. As in the
  // gateway's store, a client's window starts at its first hit, and the hits on their way to Redis still count.
  const limit = redisArg ? Number(redisArg) : config.RATE_LIMIT_MAX;
  const limitHeader = String(limit);
  const windowMs = config.RATE_LIMIT_WINDOW_MS;
  type Count = { local: number; sending: number; shared: number; resetAt: number; key: string };
  const counts = new Map<string, Count>();
  // Its own keys: counts left in Redis by an earlier run in the same window do not count against this one.
  const namespace = `shipshape:bench:gateway-floor:${randomBytes(8).toString('hex')}:`;
  const sync = setInterval(() => {
    const now = Date.now();
    const batch = client.pipeline();
    const sent: [Count, number][] = [];
    for (const [who, count] of counts) {
      if (count.resetAt <= now) counts.delete(who);
      else if (count.local > 0) {
        batch.incrby(count.key, count.local).pexpire(count.key, count.resetAt - now);
        sent.push([count, count.local]);
        count.sending += count.local;
        count.local = 0;
      }
    }
    if (sent.length > 0)
      void batch.exec().then(
        (results) => {
          sent.forEach(([count, hits], i) => {
            count.sending -= hits;
            const total = results?.[i * 2]?.[1];
            if (typeof total === 'number') count.shared = total;
            else count.local += hits;
          });
        },
        () => {
          for (const [count, hits] of sent) {
            count.sending -= hits;
            count.local += hits;
          }
        },
      );
  }, 50);
  floor.addHook('onClose', () => clearInterval(sync));

  // The breaker: five failed calls in a row keep the upstream off for ten seconds.
  let failures = 0;
  let openUntil = 0;

  floor.addHook('onRequest', (request, reply, done) => {
    inFlight.inc();
    reply.header('x-request-id', request.id).headers(SECURITY_HEADERS);
    const now = Date.now();
    let count = counts.get(request.ip);
    if (count === undefined || count.resetAt <= now) {
      count = { local: 0, sending: 0, shared: 0, resetAt: now + windowMs, key: `${namespace}${request.ip}:${now}` };
      counts.set(request.ip, count);
    }
    count.local += 1;
    const used = count.local + count.sending + count.shared;
    reply.headers({
      'x-ratelimit-limit': limitHeader,
      'x-ratelimit-remaining': String(Math.max(0, limit - used)),
      'x-ratelimit-reset': String(Math.ceil((count.resetAt - now) / 1000)),
    });
    if (used > limit) {
      reply.code(429).send();
      return;
    }
    rejectForbiddenPaths(request, reply, done);
  });
  const { IdParams } = await import('@shipshape/platform/schemas');
  floor.get('/products/:id', { schema: { params: IdParams } }, async (request, reply) => {
    if (Date.now() < openUntil) return reply.code(503).send();
    // The trace context: the caller's trace with a span of this hop, or a new trace.
    const given = request.headers.traceparent;
    const traceId = typeof given === 'string' && given.length === 55 ? given.slice(3, 35) : hex(randomUUID());
    try {
      const answer = await relay(pool, request.url, {
        'x-request-id': request.id,
        traceparent: `00-${traceId}-${hex(randomUUID()).slice(0, 16)}-01`,
        'x-forwarded-for': request.ip,
        'x-forwarded-proto': request.protocol,
      });
      failures = answer.statusCode >= 500 ? failures + 1 : 0;
      reply.code(answer.statusCode);
      for (const name of RELAYED) {
        const value = answer.headers[name];
        if (typeof value === 'string') reply.header(name, value);
      }
      return reply.send(answer.body);
    } catch {
      failures += 1;
      return reply.code(502).send();
    } finally {
      if (failures >= 5) openUntil = Date.now() + 10_000;
    }
  });
  return floor;
}

/** A UUID's 32 hex digits. */
const hex = (uuid: string) =>
  uuid.slice(0, 8) + uuid.slice(9, 13) + uuid.slice(14, 18) + uuid.slice(19, 23) + uuid.slice(24);

/** One GET through undici's dispatch, its body gathered as it arrives: the fewest steps undici allows. */
function relay(
  pool: HttpPool,
  path: string,
  headers: Record<string, string>,
): Promise<{ statusCode: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    let statusCode = 0;
    let given: Record<string, string | string[] | undefined> = {};
    const chunks: Buffer[] = [];
    pool.dispatch(
      { path, method: 'GET', headers },
      {
        onRequestStart: () => {},
        onResponseStart: (_controller, status, answered) => {
          statusCode = status;
          given = answered;
        },
        onResponseData: (_controller, chunk) => {
          chunks.push(chunk);
        },
        onResponseEnd: () =>
          resolve({
            statusCode,
            headers: given,
            body: chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks),
          }),
        onResponseError: (_controller, err) => reject(err),
      },
    );
  });
}

/** The answer headers the gateway floor relays. */
const RELAYED = ['content-type', 'x-cache', 'cache-control', 'etag'];

/** Listens, prints the URL, and stops on SIGTERM. */
async function listenPlatform(platform: FastifyInstance) {
  const url = await platform.listen({ port: 0, host: '127.0.0.1' });
  process.stdout.write(`${JSON.stringify({ url })}\n`);
  process.once('SIGTERM', () => {
    void platform.close().then(() => redis?.quit());
  });
}

if (!mode.startsWith('platform-') && !mode.endsWith('-floor')) {
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  process.stdout.write(`${JSON.stringify({ url })}\n`);
  process.once('SIGTERM', () => {
    void app.close().then(() => redis?.quit());
  });
}
