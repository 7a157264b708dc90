import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, describe, test } from 'node:test';
import Fastify from 'fastify';
import { Redis } from 'ioredis';
import { PG_ADMIN_URL, REDIS_URL } from '../../../test/support/env.ts';
import { startRedisRelay } from '../../../test/support/redis-relay.ts';
import { BENCH_RATE_LIMIT_MAX } from '../http.ts';
import { runPgbench } from '../pgbench.ts';
import { startYardstick, tryYardstick } from '../yardsticks.ts';
import { SERVICE_NODE_FLAGS, SERVICE_NODE_OPTIONS } from '../../dev/stack.ts';

describe('yardsticks', () => {
  const redis = new Redis(REDIS_URL);
  after(() => redis.quit());

  test('when the hello-world yardstick runs, then it answers in its own process', async () => {
    const y = await startYardstick('hello');
    try {
      const response = await fetch(`${y.url}/`);
      assert.deepEqual(await response.json(), { hello: 'world' });
    } finally {
      await y.stop();
    }
  });

  test('when the Redis yardstick runs, then it sends the JSON stored at its key, read from Redis per request', async () => {
    const key = `shipshape:test:yardstick:${randomUUID()}`;
    await redis.set(key, '{"id":"a","stock":1}');
    const y = await startYardstick('redis-get', REDIS_URL, key);
    try {
      const first = await fetch(`${y.url}/products/a`);
      assert.equal(first.headers.get('content-type'), 'application/json; charset=utf-8');
      assert.equal(await first.text(), '{"id":"a","stock":1}');
      await redis.set(key, '{"id":"a","stock":2}');
      assert.equal(await (await fetch(`${y.url}/products/a`)).text(), '{"id":"a","stock":2}');
    } finally {
      await y.stop();
      await redis.del(key);
    }
  });

  test('when the Redis GET step on the platform runs, then it sends the stored JSON with the platform marks', async () => {
    const key = `shipshape:test:yardstick:${randomUUID()}`;
    await redis.set(key, '{"id":"b","stock":1}');
    const y = await startYardstick('platform-redis-get', REDIS_URL, key);
    try {
      // Built as every service is, it runs as one: with the V8 sizing the images set.
      const environ = (await readFile(`/proc/${y.pid}/environ`, 'utf8')).split('\0');
      assert.ok(environ.includes(`NODE_OPTIONS=${SERVICE_NODE_OPTIONS}`), 'NODE_OPTIONS of the services');
      const first = await fetch(`${y.url}/products/b`, { headers: { 'x-request-id': 'step-redis-1' } });
      assert.equal(first.headers.get('x-request-id'), 'step-redis-1');
      assert.equal(await first.text(), '{"id":"b","stock":1}');
      await redis.set(key, '{"id":"b","stock":2}');
      assert.equal(await (await fetch(`${y.url}/products/b`)).text(), '{"id":"b","stock":2}');
      // The platform's input guard is on: a control character in the query is a problem, as on every service.
      const bad = await fetch(`${y.url}/products/b?q=%00`);
      assert.equal(bad.status, 400);
      assert.match(bad.headers.get('content-type') ?? '', /^application\/problem\+json/);
    } finally {
      await y.stop();
      await redis.del(key);
    }
  });

  test('when the read floor runs, then it sends the stored JSON from its own cache, with the duties of a cached read', async () => {
    const key = `shipshape:test:yardstick:${randomUUID()}`;
    const id = randomUUID();
    await redis.set(key, '{"id":"c","stock":1}');
    const y = await startYardstick('read-floor', REDIS_URL, key);
    try {
      // It runs as a service would: with the V8 sizing and flags the images set.
      const environ = (await readFile(`/proc/${y.pid}/environ`, 'utf8')).split('\0');
      assert.ok(environ.includes(`NODE_OPTIONS=${SERVICE_NODE_OPTIONS}`), 'NODE_OPTIONS of the services');
      const argv = (await readFile(`/proc/${y.pid}/cmdline`, 'utf8')).split('\0');
      for (const flag of SERVICE_NODE_FLAGS) assert.ok(argv.includes(flag), `the services' ${flag}`);
      const first = await fetch(`${y.url}/products/${id}`, { headers: { 'x-request-id': 'floor-1' } });
      assert.equal(first.status, 200);
      assert.equal(first.headers.get('x-request-id'), 'floor-1');
      assert.equal(first.headers.get('x-cache'), 'hit');
      assert.equal(first.headers.get('content-type'), 'application/json; charset=utf-8');
      assert.equal(await first.text(), '{"id":"c","stock":1}');
      // Read from Redis once, at start: later reads come from its own cache.
      await redis.set(key, '{"id":"c","stock":2}');
      const second = await fetch(`${y.url}/products/${id}`);
      assert.equal(await second.text(), '{"id":"c","stock":1}');
      assert.match(second.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
      // The route's params schema and the anonymous-only public read are on.
      assert.equal((await fetch(`${y.url}/products/not-a-uuid`)).status, 400);
      assert.equal((await fetch(`${y.url}/products/${id}`, { headers: { authorization: 'Bearer x' } })).status, 401);
      // Every request is counted in the duration histogram by route and status class.
      const metrics = await (await fetch(`${y.url}/metrics`)).text();
      assert.match(
        metrics,
        /http_request_duration_seconds_count\{method="GET",route="\/products\/:id",status_class="2xx"\} 2/,
      );
      assert.match(
        metrics,
        /http_request_duration_seconds_count\{method="GET",route="\/products\/:id",status_class="4xx"\} 2/,
      );
    } finally {
      await y.stop();
      await redis.del(key);
    }
  });

  test('when the proxy yardstick runs, then it relays the upstream answer for the same path', async () => {
    const upstream = Fastify();
    upstream.get('/products/:id', async (request) => ({ id: (request.params as { id: string }).id, via: 'upstream' }));
    const base = await upstream.listen({ port: 0, host: '127.0.0.1' });
    const y = await startYardstick('proxy', base);
    try {
      assert.deepEqual(await (await fetch(`${y.url}/products/p1`)).json(), { id: 'p1', via: 'upstream' });
    } finally {
      await y.stop();
      await upstream.close();
    }
  });

  test('when the platform proxy step runs, then it relays the upstream answer and the request id both ways', async () => {
    const upstream = Fastify();
    upstream.get('/products/:id', async (request) => ({
      id: (request.params as { id: string }).id,
      requestId: request.headers['x-request-id'] ?? null,
    }));
    const base = await upstream.listen({ port: 0, host: '127.0.0.1' });
    const y = await startYardstick('platform-proxy', base);
    try {
      const res = await fetch(`${y.url}/products/p1`, { headers: { 'x-request-id': 'step-1' } });
      assert.equal(res.headers.get('x-request-id'), 'step-1');
      assert.deepEqual(await res.json(), { id: 'p1', requestId: 'step-1' });
    } finally {
      await y.stop();
      await upstream.close();
    }
  });

  test('when the last step carries the gateway duties, then its answers have their marks and /internal stays shut', async () => {
    const upstream = Fastify();
    upstream.get('/*', async () => ({ ok: true }));
    const base = await upstream.listen({ port: 0, host: '127.0.0.1' });
    const y = await startYardstick('platform-proxy', base, 'client,ratelimit,headers,guard', REDIS_URL);
    try {
      const res = await fetch(`${y.url}/products/p1`);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
      assert.equal(res.headers.get('x-ratelimit-limit'), BENCH_RATE_LIMIT_MAX);
      assert.deepEqual(await res.json(), { ok: true });
      assert.equal((await fetch(`${y.url}/internal/reservations`)).status, 404);
    } finally {
      await y.stop();
      await upstream.close();
    }
  });

  test('when the gateway floor runs, then it relays with the duties of a public entry, limits, and breaks', async (t) => {
    const upstream = Fastify();
    let upstreamOpen = true;
    t.after(async () => {
      if (upstreamOpen) await upstream.close();
    });
    upstream.get('/products/:id', async (request, reply) => {
      reply.header('x-cache', 'hit');
      const { headers } = request;
      return { requestId: headers['x-request-id'], traceparent: headers.traceparent, for: headers['x-forwarded-for'] };
    });
    const base = await upstream.listen({ port: 0, host: '127.0.0.1' });
    const y = await startYardstick('gateway-floor', base, REDIS_URL, '5');
    const id = randomUUID();
    const traceId = 'a'.repeat(32);
    try {
      const environ = (await readFile(`/proc/${y.pid}/environ`, 'utf8')).split('\0');
      assert.ok(environ.includes(`NODE_OPTIONS=${SERVICE_NODE_OPTIONS}`), 'NODE_OPTIONS of the services');
      const res = await fetch(`${y.url}/products/${id}`, {
        headers: { 'x-request-id': 'gw-floor-1', traceparent: `00-${traceId}-${'b'.repeat(16)}-01` },
      });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('x-request-id'), 'gw-floor-1');
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
      assert.equal(res.headers.get('x-cache'), 'hit');
      assert.equal(res.headers.get('x-ratelimit-limit'), '5');
      assert.equal(res.headers.get('x-ratelimit-remaining'), '4');
      const seen = (await res.json()) as { requestId: string; traceparent: string; for: string };
      assert.equal(seen.requestId, 'gw-floor-1');
      assert.match(seen.traceparent, new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
      assert.notEqual(seen.traceparent.slice(36, 52), 'b'.repeat(16), 'a span of its own');
      assert.equal(seen.for, '127.0.0.1');
      // The route's params schema and the path guard, as on the gateway; every request counts against the limit.
      assert.equal((await fetch(`${y.url}/products/not-a-uuid`)).status, 400);
      assert.equal((await fetch(`${y.url}/internal/reservations`)).status, 404);
      for (let i = 0; i < 2; i++) assert.equal((await fetch(`${y.url}/products/${id}`)).status, 200);
      assert.equal((await fetch(`${y.url}/products/${id}`)).status, 429);
    } finally {
      await y.stop();
    }
    // With the upstream gone, five failed calls open the breaker: the next is refused without a call.
    await upstream.close();
    upstreamOpen = false;
    const broken = await startYardstick('gateway-floor', base, REDIS_URL);
    try {
      for (let i = 0; i < 5; i++) assert.equal((await fetch(`${broken.url}/products/${id}`)).status, 502);
      assert.equal((await fetch(`${broken.url}/products/${id}`)).status, 503);
    } finally {
      await broken.stop();
    }
  });

  test('when Redis answers slowly, then the gateway floor still counts the hits on their way to it', async (t) => {
    const relay = await startRedisRelay();
    t.after(() => relay.close());
    const upstream = Fastify();
    upstream.get('/products/:id', async () => ({ ok: true }));
    t.after(() => upstream.close());
    const y = await startYardstick(
      'gateway-floor',
      await upstream.listen({ port: 0, host: '127.0.0.1' }),
      relay.url,
      '3',
    );
    t.after(() => y.stop());
    relay.hold();
    const statuses: number[] = [];
    // Each pause outlasts a synchronisation (every 50 ms), so every hit is on its way to Redis before the next.
    for (let i = 0; i < 5; i++) {
      statuses.push((await fetch(`${y.url}/products/${randomUUID()}`)).status);
      await sleep(120);
    }
    relay.release();
    assert.deepEqual(statuses, [200, 200, 200, 429, 429]);
  });

  test('when a yardstick cannot start, then the reason comes back instead of a URL', async () => {
    const failed = await tryYardstick('redis-get', 'redis://127.0.0.1:1', 'k');
    assert.equal(typeof failed, 'string');
  });

  test('when pgbench -N runs against the test PostgreSQL, then it reports a positive commit rate', async () => {
    const figures = await runPgbench(PG_ADMIN_URL, 2, 1);
    assert.ok(figures.transactionsPerSecond > 0);
    assert.equal(figures.clients, 2);
  });
});
