import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import type { App } from '@shipshape/platform/service';
import { SYNC_MS } from '../src/rate-limit.ts';
import { metric, startGateway } from './helpers/gateway.ts';
import { REDIS_URL, requireRedis, startRedisRelay, uniquePrefix, type Relay } from './helpers/redis.ts';

const get = (app: App, client = '127.0.0.1') => app.inject({ url: '/', remoteAddress: client });

describe('rate limits in memory (no Redis configured)', () => {
  let app: App;
  let other: App;

  before(async () => {
    app = await startGateway({}, { RATE_LIMIT_MAX: '3', RATE_LIMIT_WINDOW_MS: '60000' });
    other = await startGateway({}, { RATE_LIMIT_MAX: '3', RATE_LIMIT_WINDOW_MS: '60000' });
  });
  after(async () => {
    await app.close();
    await other.close();
  });

  test('when a client exceeds its limit, then it gets 429 problem+json with Retry-After and the refusal is counted', async () => {
    for (let i = 0; i < 3; i++) assert.equal((await get(app)).statusCode, 200);
    const refused = await get(app);
    assert.equal(refused.statusCode, 429);
    assert.match(refused.headers['content-type'] ?? '', /^application\/problem\+json/);
    assert.equal(refused.json().type, 'https://shipshape.dev/problems/too-many-requests');
    assert.equal(refused.json().status, 429);
    const retryAfter = Number(refused.headers['retry-after']);
    assert.ok(
      Number.isInteger(retryAfter) && retryAfter > 0 && retryAfter <= 60,
      `Retry-After ${String(refused.headers['retry-after'])}`,
    );
    assert.equal(refused.headers['x-ratelimit-remaining'], '0');
    assert.equal(refused.headers['x-content-type-options'], 'nosniff', 'refusals carry security headers too');
    assert.equal(await metric(app, 'gateway_rate_limited_total'), 1);
  });

  test('when one client is limited, then other clients and the probes are not', async () => {
    assert.equal((await get(app)).statusCode, 429);
    assert.equal((await get(app, '10.1.2.3')).statusCode, 200);
    for (const probe of ['/health', '/ready']) {
      for (let i = 0; i < 5; i++) assert.equal((await app.inject({ url: probe })).statusCode, 200, probe);
    }
  });

  test('when counters live in memory, then each replica counts on its own', async () => {
    for (let i = 0; i < 3; i++) assert.equal((await get(other)).statusCode, 200);
    assert.equal((await get(other)).statusCode, 429);
  });
});

describe('rate limits shared through Redis', () => {
  let redis: Redis | undefined;
  const prefixes: string[] = [];
  const apps: App[] = [];
  let relay: Relay | undefined;

  const gateway = async (prefix: string, max: number, url = REDIS_URL) => {
    const app = await startGateway(
      {},
      { REDIS_URL: url, RATE_LIMIT_REDIS_PREFIX: prefix, RATE_LIMIT_MAX: String(max), RATE_LIMIT_WINDOW_MS: '60000' },
    );
    apps.push(app);
    return app;
  };

  before(async () => {
    await requireRedis();
    redis = new Redis(REDIS_URL);
  });
  after(async () => {
    for (const app of apps) await app.close();
    await relay?.close();
    for (const prefix of prefixes) {
      const keys = (await redis?.keys(`${prefix}*`)) ?? [];
      if (keys.length) await redis?.del(...keys);
    }
    redis?.disconnect();
  });

  test('when two gateways share one Redis, then a client gets one limit across both', async () => {
    const prefix = uniquePrefix('shared');
    prefixes.push(prefix);
    const [a, b] = [await gateway(prefix, 4), await gateway(prefix, 4)];
    for (const app of [a, b, a, b]) assert.equal((await get(app)).statusCode, 200);
    const fromA = await get(a);
    const fromB = await get(b);
    assert.equal(fromA.statusCode, 429);
    assert.equal(fromB.statusCode, 429);
    assert.ok(Number(fromB.headers['retry-after']) > 0);
    assert.equal(await redis?.get(`${prefix}127.0.0.1`), '6', 'both replicas counted into one key');
    assert.ok(((await redis?.pttl(`${prefix}127.0.0.1`)) ?? 0) > 0, 'the window expires');
    assert.equal(await metric(a, 'gateway_rate_limited_total'), 1);
    assert.equal(await metric(b, 'gateway_rate_limited_total'), 1);

    const elsewhere = await gateway(uniquePrefix('other'), 4);
    assert.equal((await get(elsewhere)).statusCode, 200, 'another prefix is another set of counters');
  });

  test('when Redis goes away, then the gateway fails open, counts it and reports degraded; when it is back, limits apply again', async () => {
    relay = await startRedisRelay();
    const prefix = uniquePrefix('outage');
    prefixes.push(prefix);
    const app = await gateway(prefix, 2, relay.url);
    assert.equal((await get(app)).statusCode, 200);
    assert.equal((await get(app)).statusCode, 200);
    assert.equal((await get(app)).statusCode, 429, 'limited while Redis is there');

    await relay.cut();
    await sleep(100);
    for (let i = 0; i < 5; i++) assert.equal((await get(app)).statusCode, 200, 'fail open while Redis is gone');
    assert.ok(((await metric(app, 'gateway_rate_limit_fail_open_total')) ?? 0) >= 5);
    const degraded = await app.inject('/ready');
    assert.equal(degraded.statusCode, 200, 'a limiter outage is not an outage of the gateway');
    assert.equal(degraded.json().status, 'degraded');
    assert.equal(degraded.json().checks['rate-limit-store'].status, 'down');

    await relay.restore();
    const deadline = Date.now() + 10_000;
    while ((await app.inject('/ready')).json().checks['rate-limit-store'].status !== 'up') {
      assert.ok(Date.now() < deadline, 'the gateway reconnects to Redis by itself');
      await sleep(100);
    }
    assert.equal((await get(app)).statusCode, 429, 'the shared count survived and applies again');
    assert.equal((await app.inject('/ready')).json().status, 'ok');
  });

  test('when a client stays well under its limit, then its hits are counted locally and reach Redis in batches', async () => {
    const batched = await startRedisRelay();
    const prefix = uniquePrefix('batched');
    prefixes.push(prefix);
    try {
      const app = await gateway(prefix, 1000, batched.url);
      const scriptsBefore = batched.sent('evalsha') + batched.sent('eval');
      const answers = await Promise.all(Array.from({ length: 200 }, () => get(app)));
      assert.deepEqual(new Set(answers.map((a) => a.statusCode)), new Set([200]));
      await sleep(SYNC_MS * 4);
      assert.equal(await redis?.get(`${prefix}127.0.0.1`), '200', 'every local hit reached the shared counter');
      const calls = batched.sent('evalsha') + batched.sent('eval') - scriptsBefore;
      assert.ok(calls < 20, `200 requests cost ${calls} Redis calls, not one each`);
    } finally {
      await batched.close();
    }
  });

  test('when two gateways count locally and the client nears its limit, then the limit holds within the documented bound', async () => {
    const prefix = uniquePrefix('bound');
    prefixes.push(prefix);
    const max = 20;
    const [a, b] = [await gateway(prefix, max), await gateway(prefix, max)];
    let allowed = 0;
    let requests = 0;
    const refusedBy = new Set<App>();
    for (let i = 0; i < 60; i++) {
      const app = i % 2 === 0 ? a : b;
      const status = (await get(app)).statusCode;
      requests++;
      if (status === 200) {
        assert.ok(!refusedBy.has(app), 'once refused, a replica keeps refusing within the window');
        allowed++;
      } else {
        assert.equal(status, 429);
        refusedBy.add(app);
      }
    }
    // Each replica counts locally only below half the limit, so the other's unsynced hits are fewer than max / 2.
    assert.ok(allowed >= max && allowed < max + max / 2, `${allowed} allowed for a limit of ${max}`);
    await sleep(SYNC_MS * 4);
    assert.equal(Number(await redis?.get(`${prefix}127.0.0.1`)), requests, 'every hit is in the shared count');
  });
});
