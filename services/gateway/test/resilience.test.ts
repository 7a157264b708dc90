import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { App } from '@shipshape/platform/service';
import { backoffMs } from '@shipshape/platform/http-client';
import { startStub, type Stub } from './helpers/stub-upstream.ts';
import { closedPortUrl, metric, startGateway } from './helpers/gateway.ts';

const ID = '5b7c1a52-3f0e-4d8a-9c6b-2a1e0f9d8c7b';
const ok = { status: 200, body: { id: ID } };

describe('deadlines and retries', () => {
  let users: Stub;
  let app: App;

  before(async () => {
    users = await startStub('users');
    app = await startGateway(
      { users },
      { UPSTREAM_TIMEOUT_MS: '1500', UPSTREAM_RETRIES: '2', BREAKER_MIN_THROUGHPUT: '100000' },
    );
  });
  after(async () => {
    await app.close();
    await users.close();
  });

  test('when a service does not answer within the deadline, then the client gets 504 problem+json soon after it and the call is not repeated', async () => {
    users.answer(() => ({ delayMs: 5000, ...ok }));
    const calls = users.calls().length;
    const started = performance.now();
    const res = await app.inject(`/users/${ID}`);
    const took = performance.now() - started;
    assert.equal(res.statusCode, 504);
    assert.match(res.headers['content-type'] ?? '', /^application\/problem\+json/);
    assert.equal(res.json().type, 'https://shipshape.dev/problems/upstream-timeout');
    assert.ok(took >= 1400 && took < 4000, `answered after ${Math.round(took)} ms, deadline 1500 ms`);
    assert.equal(users.calls().length, calls + 1, 'a timed-out call spent the deadline: no retry');
    assert.ok(
      ((await metric(app, 'http_client_request_duration_seconds_count', {
        target: 'users',
        operation: 'proxy',
        status_class: 'error',
      })) ?? 0) >= 1,
    );
  });

  test('when a GET meets 503 twice, then it is retried with backoff and the client sees the third answer', async () => {
    users.answer((_req, nth) => (nth < 2 ? { status: 503, body: { status: 503 } } : ok));
    const retries = (await metric(app, 'http_client_retries_total', { target: 'users', operation: 'proxy' })) ?? 0;
    const calls = users.calls().length;
    const res = await app.inject(`/users/${ID}`);
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { id: ID });
    const attempts = users.calls().slice(calls);
    assert.equal(attempts.length, 3);
    assert.equal(await metric(app, 'http_client_retries_total', { target: 'users', operation: 'proxy' }), retries + 2);
    const gaps = attempts.slice(1).map((a, i) => a.at - (attempts[i]?.at ?? 0));
    assert.ok(
      gaps.every((g) => g >= 20),
      `retries wait before going again, gaps ${gaps.map(Math.round).join(', ')} ms`,
    );
  });

  test('when a GET keeps failing, then it is tried 1 + UPSTREAM_RETRIES times and the last answer is relayed', async () => {
    users.answer(() => ({ status: 502, body: { last: true } }));
    const calls = users.calls().length;
    const res = await app.inject('/users');
    assert.equal(res.statusCode, 502);
    assert.deepEqual(res.json(), { last: true });
    assert.equal(users.calls().length, calls + 3);
  });

  test('when a GET loses its connection once, then the retry answers', async () => {
    users.answer((_req, nth) => (nth === 0 ? { drop: true } : ok));
    const res = await app.inject(`/users/${ID}`);
    assert.equal(res.statusCode, 200);
  });

  test('when a write meets 503 or a dropped connection, then it is never retried', async () => {
    users.answer(() => ({ status: 503, headers: { 'retry-after': '3' }, body: { status: 503 } }));
    let calls = users.calls().length;
    const posted = await app.inject({ method: 'POST', url: '/users', payload: { name: 'a' } });
    assert.equal(posted.statusCode, 503);
    assert.equal(posted.headers['retry-after'], '3');
    assert.equal(users.calls().length, calls + 1);

    users.answer(() => ({ drop: true }));
    for (const [method, url] of [
      ['POST', '/users'],
      ['PATCH', `/users/${ID}`],
      ['DELETE', `/users/${ID}`],
    ] as const) {
      calls = users.calls().length;
      const res = await app.inject({ method, url, ...(method === 'DELETE' ? {} : { payload: { name: 'a' } }) });
      assert.equal(res.statusCode, 503, `${method} ${url}`);
      assert.equal(users.calls().length, calls + 1, `${method} is not idempotent: one attempt`);
    }
  });

  test('when jitter is drawn, then each backoff lies between half and all of its exponential step', () => {
    assert.equal(
      backoffMs(0, () => 0),
      25,
    );
    assert.equal(
      backoffMs(0, () => 1),
      50,
    );
    assert.equal(
      backoffMs(1, () => 0.5),
      75,
    );
    assert.equal(
      backoffMs(10, () => 1),
      1000,
      'capped',
    );
  });
});

describe('unreachable services and circuit breakers', () => {
  let users: Stub;
  let app: App;
  let nowhere: string;

  before(async () => {
    users = await startStub('users');
    nowhere = await closedPortUrl();
    app = await startGateway(
      { users, products: nowhere },
      { BREAKER_MIN_THROUGHPUT: '3', BREAKER_HALF_OPEN_AFTER_MS: '600', UPSTREAM_RETRIES: '2' },
    );
  });
  after(async () => {
    await app.close();
    await users.close();
  });

  test('when a service cannot be reached, then the client gets 503 problem+json with Retry-After, after the GET was retried', async () => {
    const retries = (await metric(app, 'http_client_retries_total', { target: 'products', operation: 'proxy' })) ?? 0;
    const res = await app.inject('/products');
    assert.equal(res.statusCode, 503);
    assert.match(res.headers['content-type'] ?? '', /^application\/problem\+json/);
    assert.equal(res.json().type, 'https://shipshape.dev/problems/dependency-unavailable');
    assert.equal(res.json().dependency, 'products');
    assert.equal(res.headers['retry-after'], '1');
    assert.equal(
      await metric(app, 'http_client_retries_total', { target: 'products', operation: 'proxy' }),
      retries + 2,
    );
    assert.equal(
      await metric(app, 'circuit_breaker_state', { target: 'products' }),
      2,
      'every attempt counts: three refusals of three calls open a breaker that needs three calls',
    );
  });

  test('when a service fails repeatedly, then its breaker opens, answers 503 with Retry-After without calling it, and closes once it recovers', async () => {
    assert.equal(await metric(app, 'circuit_breaker_state', { target: 'users' }), 0);
    users.answer(() => ({ status: 502, body: { boom: true } }));
    for (let i = 0; i < 3; i++)
      assert.equal((await app.inject({ method: 'POST', url: '/users', payload: {} })).statusCode, 502);
    assert.equal(await metric(app, 'circuit_breaker_state', { target: 'users' }), 2, 'open');
    assert.equal(await metric(app, 'circuit_breaker_transitions_total', { target: 'users', state: 'open' }), 1);

    users.answer(() => ok);
    const calls = users.calls().length;
    const refused = await app.inject(`/users/${ID}`);
    assert.equal(refused.statusCode, 503);
    assert.match(refused.headers['content-type'] ?? '', /^application\/problem\+json/);
    assert.equal(refused.headers['retry-after'], '1');
    assert.match(refused.json().detail, /circuit open/);
    assert.equal(users.calls().length, calls, 'an open circuit does not call the service');

    assert.equal(await metric(app, 'circuit_breaker_state', { target: 'orders' }), 0, 'breakers are per service');

    await sleep(700);
    const trial = await app.inject(`/users/${ID}`);
    assert.equal(trial.statusCode, 200);
    assert.equal(await metric(app, 'circuit_breaker_state', { target: 'users' }), 0, 'closed again');
    assert.equal(await metric(app, 'circuit_breaker_transitions_total', { target: 'users', state: 'half_open' }), 1);
    assert.equal(await metric(app, 'circuit_breaker_transitions_total', { target: 'users', state: 'closed' }), 1);
  });
  test('when a service answers 503 about its own dependency, then its breaker stays closed and every answer is relayed', async () => {
    const orders = await startStub('orders', () => ({
      status: 503,
      body: {
        type: 'https://shipshape.dev/problems/dependency-unavailable',
        title: 'Service Unavailable',
        status: 503,
        detail: 'products service is unavailable',
        dependency: 'products',
      },
      headers: { 'content-type': 'application/problem+json', 'retry-after': '1' },
    }));
    const gw = await startGateway({ users, orders }, { BREAKER_MIN_THROUGHPUT: '3', UPSTREAM_RETRIES: '0' });
    try {
      for (let i = 0; i < 6; i++) {
        const res = await gw.inject({
          method: 'POST',
          url: '/orders',
          payload: {},
          headers: { 'idempotency-key': `k${i}` },
        });
        assert.equal(res.statusCode, 503);
        assert.equal(res.json().dependency, 'products', 'the answer of orders, not a gateway circuit');
      }
      assert.equal(orders.calls().length, 6, 'every request reached orders');
      assert.equal(await metric(gw, 'circuit_breaker_state', { target: 'orders' }), 0);
    } finally {
      await gw.close();
      await orders.close();
    }
  });
  test('when a service answers 500 to request after request, then every answer is relayed once and its breaker stays closed', async () => {
    users.answer(() => ({ status: 500, body: { boom: true } }));
    const calls = users.calls().length;
    for (let i = 0; i < 10; i++) {
      assert.equal((await app.inject(`/users/${ID}`)).statusCode, 500);
      assert.equal((await app.inject({ method: 'POST', url: '/users', payload: {} })).statusCode, 500);
    }
    assert.equal(users.calls().length, calls + 20, 'a 500 is about the request: never retried');
    assert.equal(await metric(app, 'circuit_breaker_state', { target: 'users' }), 0);
  });
});
