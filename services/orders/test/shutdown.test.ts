// SIGTERM with a request in flight, on a real orders process.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createTestDatabase, type TestDatabase } from '../../../test/support/database.ts';
import { startProducts, startUsers } from '../../../test/support/apps.ts';
import { adminCall as call, authEnv } from '../../../test/support/auth.ts';
import { startFaultProxy, waitFor, type FaultProxy } from '../../../test/support/http.ts';
import { freeServicePort } from '../../../tools/dev/ports.ts';
import type { App } from '@shipshape/platform/service';

let db: TestDatabase;
let apps: App[] = [];
let proxy: FaultProxy;
let usersUrl: string;
let productsUrl: string;

before(async () => {
  db = await createTestDatabase();
  const u = await startUsers({ DATABASE_URL: db.url });
  const p = await startProducts({ DATABASE_URL: db.url });
  apps = [u.app, p.app];
  usersUrl = u.url;
  productsUrl = p.url;
  proxy = await startFaultProxy(productsUrl);
});
after(async () => {
  await proxy.close();
  await Promise.all(apps.map((a) => a.close()));
  await db.drop();
});

test('when SIGTERM arrives with a request in flight, then readiness drops at once, the request completes, and the process exits 0', async () => {
  const port = await freeServicePort();
  const child = spawn(process.execPath, [join(import.meta.dirname, '..', 'src', 'server.ts')], {
    env: {
      PATH: process.env.PATH,
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: db.url,
      USERS_URL: usersUrl,
      PRODUCTS_URL: proxy.url,
      SHUTDOWN_DRAIN_MS: '1500',
      UPSTREAM_TIMEOUT_MS: '5000',
      ...(await authEnv('orders')),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  createInterface({ input: child.stdout }).on('line', (l) => lines.push(l));
  createInterface({ input: child.stderr }).on('line', (l) => lines.push(l));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const base = `http://127.0.0.1:${port}`;
  await waitFor('orders to be ready', async () => (await call(`${base}/ready`)).status === 200, 20_000, 100);
  // Metrics are served on PORT + 6000, not on the API port.
  const scrape = await fetch(`http://127.0.0.1:${port + 6000}/metrics`);
  assert.equal(scrape.status, 200);
  assert.match(await scrape.text(), /process_resident_memory_bytes/);
  assert.equal((await call(`${base}/metrics`)).status, 404);

  const user = (await call(`${usersUrl}/users`, { body: { name: 'Late', email: `late-${randomUUID()}@example.com` } }))
    .body;
  const product = (
    await call(`${productsUrl}/products`, {
      body: { sku: `SD-${randomUUID().slice(0, 6)}`, name: 'x', priceCents: 1, currency: 'EUR', stock: 3 },
    })
  ).body;
  proxy.delayMs = 1000;
  const inFlight = call(`${base}/orders`, {
    body: { userId: user.id, items: [{ productId: product.id, quantity: 1 }] },
    headers: { 'idempotency-key': randomUUID() },
  });
  await waitFor('the order to reach products', async () => proxy.requests > 0, 5000, 10);
  child.kill('SIGTERM');
  await waitFor('readiness to drop', async () => (await call(`${base}/ready`)).status === 503, 1000, 20);
  assert.equal((await call(`${base}/health`)).status, 200, 'still live while draining');
  const res = await inFlight;
  assert.equal(res.status, 201, res.text);
  assert.equal(await exited, 0, lines.slice(-8).join('\n'));
  assert.ok(lines.some((l) => l.includes('shutdown complete')));
  const stock = (await db.query('SELECT stock FROM catalog.products WHERE id = $1', [product.id])).rows[0]!.stock;
  assert.equal(stock, 2);
});
