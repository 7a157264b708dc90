import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { App } from '@shipshape/platform/service';
import { startStub, type Stub } from './helpers/stub-upstream.ts';
import { startGateway } from './helpers/gateway.ts';

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-0[01]$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('request ids and trace context', () => {
  let users: Stub;
  let app: App;

  before(async () => {
    users = await startStub('users');
    app = await startGateway({ users });
  });
  after(async () => {
    await app.close();
    await users.close();
  });

  test('when a client sends a valid X-Request-ID and a traceparent, then the service receives the same id and a traceparent of the same trace', async () => {
    const incomingTrace = '0af7651916cd43dd8448eb211c80319c';
    const incomingSpan = 'b7ad6b7169203331';
    const res = await app.inject({
      url: '/users?limit=2',
      headers: { 'x-request-id': 'checkout-42.a_b:c', traceparent: `00-${incomingTrace}-${incomingSpan}-01` },
    });
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['x-request-id'], 'checkout-42.a_b:c');
    const got = users.calls().at(-1);
    assert.equal(got?.headers['x-request-id'], 'checkout-42.a_b:c');
    const parent = TRACEPARENT.exec(String(got?.headers.traceparent));
    assert.ok(parent, `a W3C traceparent reaches the service, got ${String(got?.headers.traceparent)}`);
    assert.equal(parent[1], incomingTrace, 'same trace');
    assert.notEqual(parent[2], incomingSpan, 'the gateway is a hop of its own: a new parent span');
  });

  test('when a client sends no request id, then the gateway makes one, echoes it and passes the same one on with a fresh trace', async () => {
    const res = await app.inject('/users');
    const id = String(res.headers['x-request-id']);
    assert.match(id, UUID);
    const got = users.calls().at(-1);
    assert.equal(got?.headers['x-request-id'], id);
    assert.match(String(got?.headers.traceparent), TRACEPARENT);

    const again = await app.inject('/users');
    assert.notEqual(again.headers['x-request-id'], id, 'every request gets its own id');
    const first = TRACEPARENT.exec(String(got?.headers.traceparent));
    const second = TRACEPARENT.exec(String(users.calls().at(-1)?.headers.traceparent));
    assert.notEqual(first?.[1], second?.[1], 'and its own trace');
  });

  test('when a client sends a malformed request id, then it is replaced, and the replacement is what the service sees', async () => {
    for (const bad of ['has spaces in it', 'x'.repeat(129), 'semi;colon', '']) {
      const res = await app.inject({ url: '/users', headers: { 'x-request-id': bad } });
      const id = String(res.headers['x-request-id']);
      assert.match(id, UUID, JSON.stringify(bad));
      assert.equal(users.calls().at(-1)?.headers['x-request-id'], id);
    }
  });

  test('when the upstream fails, then the problem answer still carries the request id', async () => {
    users.answer(() => ({ drop: true }));
    const res = await app.inject({
      method: 'POST',
      url: '/users',
      payload: {},
      headers: { 'x-request-id': 'failing-1' },
    });
    users.answer(() => ({ status: 200, body: {} }));
    assert.equal(res.headers['x-request-id'], 'failing-1');
    assert.equal(res.statusCode, 503);
    assert.equal(users.calls().at(-1)?.headers['x-request-id'], 'failing-1');
  });
});
