import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Metrics } from '../src/metrics.ts';
import { AnswerTooLarge, DependencyFailure, ServiceClient } from '../src/http-client.ts';

const breaker = { failureRatio: 0.5, windowMs: 10_000, minThroughput: 1000, halfOpenAfterMs: 1000 };

describe('the service client', () => {
  let server: Server;
  let base: string;

  before(async () => {
    server = createServer((req, res) => {
      if (req.url === '/slow') {
        setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'), 2000);
      } else if (req.url === '/trickle') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('[');
        setTimeout(() => res.end('1]'), 2000);
      } else if (req.url === '/large') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(`"${'x'.repeat(4096)}"`);
      } else {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const client = (o: { connections?: number; maxAnswerBytes?: number } = {}) =>
    new ServiceClient({ target: 'stub', baseUrl: base, timeoutMs: 300, retries: 0, breaker, ...o }, new Metrics('t'));
  const get = (c: ServiceClient, path: string) => c.send({ operation: 'get', method: 'GET', path, idempotent: false });

  test('when a call waits for a connection past its deadline, then it fails at the deadline, not when a connection frees', async () => {
    const c = client({ connections: 1 });
    const started = performance.now();
    const [first, queued] = await Promise.allSettled([get(c, '/slow'), get(c, '/fast')]);
    const took = performance.now() - started;
    for (const r of [first, queued]) {
      assert.equal(r.status, 'rejected');
      assert.ok(r.status === 'rejected' && r.reason instanceof DependencyFailure && r.reason.kind === 'timeout');
    }
    assert.ok(took < 1500, `both failed after ${Math.round(took)} ms; the deadline is 300 ms`);
    await c.close();
  });

  test('when an answer trickles in past the deadline, then the call fails as a timeout', async () => {
    const c = client();
    const started = performance.now();
    await assert.rejects(
      get(c, '/trickle'),
      (err: unknown) => err instanceof DependencyFailure && err.kind === 'timeout',
    );
    assert.ok(performance.now() - started < 1500);
    await c.close();
  });

  test('when calls overlap, then each one that outlives the deadline fails at it, and the others are answered', async () => {
    // One timer serves all of a client's deadlines: slow calls started between fast ones each fail at their own
    // deadline, the fast ones are answered, and a call after them all still has a deadline.
    const c = client();
    const started = performance.now();
    const paths = ['/slow', '/fast', '/slow', '/fast', '/trickle', '/fast'];
    const settled = await Promise.allSettled(paths.map((path) => get(c, path)));
    const took = performance.now() - started;
    assert.deepEqual(
      settled.map((r) =>
        r.status === 'fulfilled' ? r.value.statusCode : r.reason instanceof DependencyFailure && r.reason.kind,
      ),
      [`timeout`, 200, 'timeout', 200, 'timeout', 200],
    );
    assert.ok(took < 1500, `the slow calls failed after ${Math.round(took)} ms; the deadline is 300 ms`);
    const later = performance.now();
    await assert.rejects(get(c, '/slow'), (err: unknown) => err instanceof DependencyFailure && err.kind === 'timeout');
    const waited = performance.now() - later;
    assert.ok(waited >= 290 && waited < 1500, `a later call failed after ${Math.round(waited)} ms`);
    await c.close();
  });

  test('when calls keep a client busy for longer than its deadline, then none of the answered ones fails', async () => {
    // A deadline is cleared when its call ends; a timer set for an earlier call must not end a later one early.
    const c = client();
    const until = performance.now() + 900;
    let answered = 0;
    const worker = async () => {
      while (performance.now() < until) {
        const answer = await get(c, '/fast');
        assert.equal(answer.statusCode, 200);
        answered++;
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    assert.ok(answered > 50, `${answered} calls answered`);
    await c.close();
  });

  test('when an answer is larger than the client reads, then the call fails, and the next one is answered', async () => {
    const c = client({ maxAnswerBytes: 1024 });
    await assert.rejects(get(c, '/large'), AnswerTooLarge);
    const next = await get(c, '/fast');
    assert.deepEqual([next.statusCode, next.body.toString()], [200, '{"ok":true}']);
    await c.close();
  });
});
