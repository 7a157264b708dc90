import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '@shipshape/platform/config';
import { createTestDatabase, type TestDatabase } from '../../../test/support/database.ts';
import { startProducts, metricsUrl } from '../../../test/support/apps.ts';
import { authEnv } from '../../../test/support/auth.ts';
import { call, metricValue } from '../../../test/support/http.ts';
import { readConfig } from '../src/config.ts';
import type { App } from '@shipshape/platform/service';

let db: TestDatabase;
const apps: App[] = [];
const start = async (env: Record<string, string>) => {
  const { app, url } = await startProducts({ DATABASE_URL: db.url, ...env });
  apps.push(app);
  return url;
};

before(async () => {
  db = await createTestDatabase({ seed: true });
});
after(async () => {
  for (const app of apps) await app.close();
  await db.drop();
});

describe('fault injection for release rehearsals', () => {
  test('when it is not configured, then no request fails on purpose', async () => {
    const config = readConfig({ DATABASE_URL: db.url, ...(await authEnv('products')) });
    assert.equal(config.FAULT_ERROR_RATIO, 0);
    assert.equal(config.FAULT_DELAY_MS, 0);
    const url = await start({});
    for (let i = 0; i < 20; i++) assert.equal((await call(`${url}/products`)).status, 200);
  });

  test('when FAULT_ERROR_RATIO=0.1, then exactly every tenth user request is a 500 problem and probes stay up', async () => {
    const url = await start({ FAULT_ERROR_RATIO: '0.1' });
    const statuses: number[] = [];
    for (let i = 0; i < 30; i++) {
      const res = await call(`${url}/products`);
      statuses.push(res.status);
      if (res.status === 500) assert.match(res.headers.get('content-type') ?? '', /problem\+json/);
    }
    assert.equal(statuses.filter((s) => s === 500).length, 3, statuses.join(','));
    assert.equal(statuses.filter((s) => s === 200).length, 27);
    for (let i = 0; i < 20; i++) assert.equal((await call(`${url}/ready`)).status, 200);
    const metrics = await (await fetch(metricsUrl(url))).text();
    const failed = metricValue(metrics, 'http_server_request_duration_seconds_count', {
      route: '/products',
      status_class: '5xx',
    });
    assert.equal(failed, 3, 'the injected failures are in the metrics the canary gate reads');
  });

  test('when FAULT_DELAY_MS=300, then user requests take at least 300 ms and probes do not', async () => {
    const url = await start({ FAULT_DELAY_MS: '300' });
    let t = performance.now();
    assert.equal((await call(`${url}/products`)).status, 200);
    assert.ok(performance.now() - t >= 300);
    t = performance.now();
    assert.equal((await call(`${url}/health`)).status, 200);
    assert.ok(performance.now() - t < 300);
  });

  test('when NODE_ENV=production, then a fault setting stops the service at start', async () => {
    const base = { DATABASE_URL: db.url, ...(await authEnv('products')), NODE_ENV: 'production' };
    assert.throws(() => readConfig({ ...base, FAULT_ERROR_RATIO: '0.1' }), ConfigError);
    assert.throws(() => readConfig({ ...base, FAULT_DELAY_MS: '300' }), /refused when NODE_ENV=production/);
    assert.equal(readConfig(base).FAULT_ERROR_RATIO, 0);
  });
});
