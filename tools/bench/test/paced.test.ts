import assert from 'node:assert/strict';
import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import { percentile, runPaced } from '../paced.ts';

/** A server on a free port with `handler`; `close` ends its connections too. */
async function serve(handler: RequestListener) {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function delayedServer(delayFor: (n: number) => number) {
  let n = 0;
  const server = await serve((_req, res) => {
    n += 1;
    setTimeout(() => res.end('ok'), delayFor(n));
  });
  return { ...server, received: () => n };
}

describe('paced load', () => {
  test('when asked for 40 req/s for 1 s against a 20 ms server, then it sends 40 requests and p50 is near 20 ms', async () => {
    const server = await delayedServer(() => 20);
    try {
      const figures = await runPaced({
        url: server.url,
        method: 'GET',
        headers: {},
        ratePerSecond: 40,
        durationSeconds: 1,
      });
      assert.equal(server.received(), 40);
      assert.equal(figures.requests, 40);
      assert.equal(figures.non2xx, 0);
      assert.ok(figures.latencyP50Ms >= 19 && figures.latencyP50Ms < 80, `p50 ${figures.latencyP50Ms}`);
    } finally {
      await server.close();
    }
  });

  test('when the server stalls, then the schedule does not wait for it and the stall shows in p99', async () => {
    // The first answer takes 600 ms; a closed loop on one connection would send nothing meanwhile.
    const server = await delayedServer((n) => (n === 1 ? 600 : 5));
    try {
      const figures = await runPaced({
        url: server.url,
        method: 'GET',
        headers: {},
        ratePerSecond: 50,
        durationSeconds: 1,
      });
      assert.equal(server.received(), 50);
      assert.ok(figures.latencyP99Ms >= 590, `p99 ${figures.latencyP99Ms}`);
      assert.ok(figures.latencyP50Ms < 100, `p50 ${figures.latencyP50Ms}`);
    } finally {
      await server.close();
    }
  });

  test('when a request leaves before its time, then its latency still counts from when it left', async () => {
    // At 1,000 req/s most requests wait less than a millisecond for their turn, and a timer may fire early. The server
    // answers at once, so a request counted from its due time rather than from when it left would often come out
    // negative.
    const server = await serve((_req, res) => res.end('ok'));
    try {
      const figures = await runPaced({
        url: server.url,
        method: 'GET',
        headers: {},
        ratePerSecond: 1000,
        durationSeconds: 1,
      });
      assert.equal(figures.requests, 1000);
      assert.ok(figures.latencyP50Ms >= 0, `p50 ${figures.latencyP50Ms}`);
    } finally {
      await server.close();
    }
  });

  test('when each request needs fresh headers, then every request gets its own', async () => {
    const keys = new Set<string>();
    const server = await serve((req, res) => {
      keys.add(String(req.headers['idempotency-key']));
      res.end();
    });
    try {
      let i = 0;
      await runPaced({
        url: server.url,
        method: 'POST',
        headers: {},
        body: '{}',
        perRequest: () => ({ headers: { 'idempotency-key': `k${i++}` } }),
        ratePerSecond: 20,
        durationSeconds: 1,
      });
      assert.equal(keys.size, 20);
    } finally {
      await server.close();
    }
  });

  test('when the server drops connections, then each request counts as an error and the run still ends', async () => {
    const server = await serve((req) => req.socket.destroy());
    try {
      const figures = await runPaced({
        url: server.url,
        method: 'GET',
        headers: {},
        ratePerSecond: 20,
        durationSeconds: 0.5,
      });
      assert.equal(figures.errors, 10);
      assert.equal(figures.requests, 0);
    } finally {
      await server.close();
    }
  });

  test('when a request is answered slowly, then it counts once its whole body has arrived', async () => {
    // Headers at once, the body 150 ms later: the latency is the whole answer's, as a client would see it.
    const server = await serve((_req, res) => {
      res.writeHead(201, { 'content-type': 'text/plain' });
      res.write('part');
      setTimeout(() => res.end('rest'), 150);
    });
    try {
      const figures = await runPaced({
        url: server.url,
        method: 'GET',
        headers: {},
        ratePerSecond: 10,
        durationSeconds: 0.5,
      });
      assert.deepEqual(figures.statusCodes, { '201': 5 });
      assert.ok(figures.latencyP50Ms >= 145, `p50 ${figures.latencyP50Ms}`);
      assert.ok(figures.sendLagP99Ms >= 0 && figures.sendLagP99Ms < 100, `send lag ${figures.sendLagP99Ms}`);
    } finally {
      await server.close();
    }
  });

  test('when taking percentiles, then the nearest rank is used', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    assert.equal(percentile(values, 50), 50);
    assert.equal(percentile(values, 99), 99);
    assert.equal(percentile([7], 99), 7);
    assert.equal(percentile([], 50), 0);
  });
});
