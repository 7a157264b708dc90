import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, acceptedEnvNames, databaseUrl, describeConfig, redisUrl } from '@shipshape/platform/config';
import { readConfig as productsConfig, configSchema as productsSchema } from '../../../services/products/src/config.ts';
import { readConfig as ordersConfig } from '../../../services/orders/src/config.ts';

test('when a required secret is missing, then loading fails naming the variable', () => {
  assert.throws(
    () => productsConfig({}),
    (err: Error) => err instanceof ConfigError && /JWT_SECRET is required/.test(err.message),
  );
});

test('when a value has the wrong type, then the message names it (and never echoes a secret)', () => {
  assert.throws(() => ordersConfig({ PORT: 'eighty' }), /PORT .*"eighty"/);
  assert.throws(
    () => productsConfig({ JWT_SECRET: 'short' }),
    (err: Error) => /JWT_SECRET/.test(err.message) && !err.message.includes('short'),
  );
});

test('when a secret is given as <NAME>_FILE, then it is read from the file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
  writeFileSync(join(dir, 'jwt'), 'from-a-file-0123456789\n');
  writeFileSync(join(dir, 'pw'), 's3cr3t@/:');
  const c = productsConfig({
    JWT_SECRET_FILE: join(dir, 'jwt'),
    POSTGRES_PASSWORD_FILE: join(dir, 'pw'),
    POSTGRES_HOST: 'db',
    POSTGRES_DB: 'shop',
  });
  assert.equal(c.JWT_SECRET, 'from-a-file-0123456789');
  assert.equal(databaseUrl(c), 'postgres://postgres:s3cr3t%40%2F%3A@db:5432/shop');
  assert.throws(() => productsConfig({ JWT_SECRET_FILE: join(dir, 'missing') }), /JWT_SECRET_FILE: cannot read/);
});

test('when DATABASE_URL / REDIS_URL are set, then they win over the seed-compatible names', () => {
  const c = productsConfig({
    JWT_SECRET: 'x'.repeat(20),
    DATABASE_URL: 'postgres://a@b/c',
    POSTGRES_HOST: 'ignored',
    REDIS_HOST: 'r',
    REDIS_PASSWORD: 'p',
    REDIS_URL: 'redis://u:6379',
  });
  assert.equal(databaseUrl(c), 'postgres://a@b/c');
  assert.equal(redisUrl(c), 'redis://u:6379');
  const d = productsConfig({
    JWT_SECRET: 'x'.repeat(20),
    REDIS_HOST: 'cache',
    REDIS_PASSWORD: 'pw',
    REDIS_TLS: 'true',
  });
  assert.equal(redisUrl(d), 'rediss://:pw@cache:6379');
  assert.equal(redisUrl(productsConfig({ JWT_SECRET: 'x'.repeat(20) })), undefined);
});

test('when the schema is described, then secrets are marked and accept _FILE', () => {
  const rows = describeConfig(productsSchema);
  assert.deepEqual(
    rows.filter((r) => r.required).map((r) => r.name),
    ['JWT_SECRET'],
  );
  assert.ok(rows.find((r) => r.name === 'POSTGRES_PASSWORD')?.secret);
  assert.ok(acceptedEnvNames(productsSchema).includes('JWT_SECRET_FILE'));
  assert.ok(!acceptedEnvNames(productsSchema).includes('PORT_FILE'));
});

test('when a service starts with bad config, then it exits 1 with a one-line message', () => {
  const root = join(import.meta.dirname, '..', '..', '..');
  const r = spawnSync(process.execPath, [join(root, 'services/products/src/server.ts')], {
    env: { PATH: process.env.PATH, PORT: '39999' },
    encoding: 'utf8',
    timeout: 20_000,
  });
  assert.equal(r.status, 1);
  assert.equal(r.stderr.trim(), 'products: invalid configuration: JWT_SECRET is required');
});

test('when the README config tables are compared with the schemas, then they are up to date', () => {
  const root = join(import.meta.dirname, '..', '..', '..');
  const r = spawnSync(process.execPath, [join(root, 'tools/docs/config-table.ts'), '--check'], {
    encoding: 'utf8',
    timeout: 20_000,
  });
  assert.equal(r.status, 0, r.stderr);
});
