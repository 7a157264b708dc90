// The gateway checks the token before it forwards anything: a request it refuses costs the services nothing.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { App } from '@shipshape/platform/service';
import type { Stubs } from './helpers/stub-upstream.ts';
import { startStubbedGateway } from './helpers/gateway.ts';
import { adminToken, mint, userToken } from '../../../test/support/auth.ts';
import { DevIssuer } from '../../../tools/dev/issuer.ts';

describe('tokens at the gateway', () => {
  let stubs: Stubs;
  let app: App;
  let close: () => Promise<void>;
  const reached = () => stubs.users.calls().length + stubs.products.calls().length + stubs.orders.calls().length;

  before(async () => {
    ({ stubs, app, close } = await startStubbedGateway());
  });
  after(() => close());

  test('when a token is forged, expired, from a stranger or malformed, then 401 and no service is called', async () => {
    const stranger = await DevIssuer.create();
    const good = await userToken(randomUUID());
    const bad = [
      `${good.split('.').slice(0, 2).join('.')}.${'A'.repeat(86)}`,
      await mint({ sub: randomUUID(), iat: Math.floor(Date.now() / 1000) - 7200, ttlSeconds: 600 }),
      await stranger.mint({ sub: randomUUID(), admin: true }),
      'not-a-token',
    ];
    const before = reached();
    for (const token of bad) {
      for (const [method, url] of [
        ['GET', `/orders/${randomUUID()}`],
        ['POST', '/orders'],
        ['GET', '/products'],
        ['DELETE', `/users/${randomUUID()}`],
      ] as const) {
        const res = await app.inject({ method, url, headers: { authorization: `Bearer ${token}` } });
        assert.equal(res.statusCode, 401, `${method} ${url}`);
        assert.match(res.headers['content-type'] as string, /application\/problem\+json/);
      }
    }
    assert.equal(reached(), before, 'a refused token reached a service');
  });

  test('when a user without the admin role writes the catalog or lists users, then 403 and no service is called', async () => {
    const token = await userToken(randomUUID());
    const before = reached();
    for (const [method, url] of [
      ['POST', '/products'],
      ['PATCH', `/products/${randomUUID()}`],
      ['GET', '/users'],
    ] as const) {
      const res = await app.inject({ method, url, headers: { authorization: `Bearer ${token}` }, payload: {} });
      assert.equal(res.statusCode, 403, `${method} ${url}`);
    }
    assert.equal((await app.inject({ url: '/users', headers: { authorization: 'Basic YTpi' } })).statusCode, 401);
    assert.equal(reached(), before);
  });

  test('when the token is valid, then it is forwarded unchanged and the service decides', async () => {
    const token = await adminToken();
    const res = await app.inject({ url: '/users', headers: { authorization: `Bearer ${token}` } });
    assert.equal(res.statusCode, 200);
    assert.equal(stubs.users.calls().at(-1)?.headers.authorization, `Bearer ${token}`);
  });

  test('when a client sends its own service identity header, then the gateway does not pass it on', async () => {
    await app.inject({ url: '/products', headers: { 'x-service-token': 'forged' } });
    assert.equal(stubs.products.calls().at(-1)?.headers['x-service-token'], undefined);
  });
});
