// Over real HTTP, because an in-process request would normalise the very paths under test.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import type { App } from '@shipshape/platform/service';
import { isForbiddenPath } from '../src/proxy/path-guard.ts';
import type { Stubs } from './helpers/stub-upstream.ts';
import { startStubbedGateway } from './helpers/gateway.ts';

function rawGet(base: string, path: string): Promise<{ status: number; type: string; body: string }> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ hostname, port, path, method: 'GET' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const TRICKS = [
  '/internal/reservations',
  '/INTERNAL/reservations',
  '/internal',
  '//internal/reservations',
  '/users/../internal/reservations',
  '/users/./../internal/reservations',
  '/users/%2e%2e/internal/reservations',
  '/users/%2E%2E%2Finternal%2Freservations',
  '/users/..%2finternal/reservations',
  '/users/%252e%252e/internal',
  '/%69nternal/reservations',
  '/users/..\\internal\\reservations',
  '/products/%2e%2e%5cinternal',
  '/orders/../../internal/stock?x=1',
];

describe('internal endpoints stay internal', () => {
  let stubs: Stubs;
  let app: App;
  let close: () => Promise<void>;
  let base: string;

  before(async () => {
    ({ stubs, app, close } = await startStubbedGateway());
    base = await app.listen({ port: 0, host: '127.0.0.1' });
  });
  after(() => close());

  test('when a path is internal or hides a dot-segment or encoded separator, then the gateway answers 404 problem+json and forwards nothing', async () => {
    for (const path of TRICKS) {
      const res = await rawGet(base, path);
      assert.equal(res.status, 404, path);
      assert.match(res.type, /^application\/problem\+json/, path);
      assert.equal((JSON.parse(res.body) as { status: number }).status, 404, path);
    }
    const reached = [...stubs.users.received, ...stubs.products.received, ...stubs.orders.received].map((r) => r.url);
    assert.deepEqual(reached, [], `nothing may reach a service, got ${reached.join(', ')}`);
  });

  test('when a public path is plain, then it is not mistaken for a trick', async () => {
    const res = await rawGet(base, '/products?limit=5&cursor=..%2F..');
    assert.equal(res.status, 200);
    assert.equal(stubs.products.calls().at(-1)?.url, '/products?limit=5&cursor=..%2F..');
    for (const ok of [
      '/users',
      '/products/5b7c1a52-3f0e-4d8a-9c6b-2a1e0f9d8c7b',
      '/orders/5b7c1a52-3f0e-4d8a-9c6b-2a1e0f9d8c7b/cancel',
      '/internals-of-nothing',
    ]) {
      assert.equal(isForbiddenPath(ok), false, ok);
    }
    for (const trick of TRICKS) assert.equal(isForbiddenPath(trick), true, trick);
  });
});
