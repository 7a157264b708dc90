import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, acceptedEnvNames, databaseUrl, describeConfig, redisUrl } from '@shipshape/platform/config';
import { readConfig as productsConfig, configSchema as productsSchema } from '../../../services/products/src/config.ts';
import { readConfig as ordersConfig, configSchema as ordersSchema } from '../../../services/orders/src/config.ts';
import { generateServiceKey } from '@shipshape/platform/auth';

const AUTH = {
  AUTH_ISSUER: 'https://issuer.example.com',
  AUTH_AUDIENCE: 'shipshape',
  AUTH_JWKS_URL: 'https://issuer.example.com/.well-known/jwks.json',
};
const ordersKey = generateServiceKey();
const products = (env: Record<string, string>) =>
  productsConfig({ ...AUTH, SERVICE_TRUSTED_CALLERS: `orders=${ordersKey.publicKey}`, ...env });

test('when a required secret is missing, then loading fails naming the variable', () => {
  assert.throws(
    () => ordersConfig(AUTH),
    (err: Error) => err instanceof ConfigError && /SERVICE_PRIVATE_KEY is required/.test(err.message),
  );
  assert.throws(
    () => productsConfig({}),
    (err: Error) =>
      err instanceof ConfigError &&
      ['AUTH_ISSUER', 'AUTH_AUDIENCE', 'SERVICE_TRUSTED_CALLERS'].every((n) =>
        err.message.includes(`${n} is required`),
      ),
  );
});

test('when the token settings would weaken verification, then loading fails', () => {
  assert.throws(() => products({ AUTH_ALGORITHMS: 'HS256' }), /AUTH_ALGORITHMS/);
  assert.throws(() => products({ AUTH_ALGORITHMS: 'RS256,none' }), /AUTH_ALGORITHMS/);
  assert.throws(() => products({ AUTH_MAX_TOKEN_LIFETIME_SECONDS: String(365 * 86400) }), /AUTH_MAX_TOKEN_LIFETIME/);
  assert.throws(() => products({ AUTH_JWKS_URL: 'file:///etc/keys' }), /AUTH_JWKS_URL/);
});

test('when a value has the wrong type, then the message names it (and never echoes a secret)', () => {
  assert.throws(() => ordersConfig({ PORT: 'eighty' }), /PORT .*"eighty"/);
  assert.throws(
    () => ordersConfig({ ...AUTH, SERVICE_PRIVATE_KEY: 'short' }),
    (err: Error) => /SERVICE_PRIVATE_KEY/.test(err.message) && !err.message.includes('short'),
  );
});

test('when a secret is given as <NAME>_FILE, then it is read from the file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
  writeFileSync(join(dir, 'key'), `${ordersKey.privateKey}\n`);
  writeFileSync(join(dir, 'pw'), 's3cr3t@/:');
  const c = ordersConfig({
    ...AUTH,
    SERVICE_PRIVATE_KEY_FILE: join(dir, 'key'),
    POSTGRES_PASSWORD_FILE: join(dir, 'pw'),
    POSTGRES_HOST: 'db',
    POSTGRES_DB: 'shop',
  });
  assert.equal(c.SERVICE_PRIVATE_KEY, ordersKey.privateKey);
  assert.equal(databaseUrl(c), 'postgres://postgres:s3cr3t%40%2F%3A@db:5432/shop');
  assert.throws(
    () => ordersConfig({ ...AUTH, SERVICE_PRIVATE_KEY_FILE: join(dir, 'missing') }),
    /SERVICE_PRIVATE_KEY_FILE: cannot read/,
  );
});

test('when DATABASE_URL / REDIS_URL are set, then they win over the seed-compatible names', () => {
  const c = products({
    DATABASE_URL: 'postgres://a@b/c',
    POSTGRES_HOST: 'ignored',
    REDIS_HOST: 'r',
    REDIS_PASSWORD: 'p',
    REDIS_URL: 'redis://u:6379',
  });
  assert.equal(databaseUrl(c), 'postgres://a@b/c');
  assert.equal(redisUrl(c), 'redis://u:6379');
  const d = products({
    REDIS_HOST: 'cache',
    REDIS_PASSWORD: 'pw',
    REDIS_TLS: 'true',
  });
  assert.equal(redisUrl(d), 'rediss://:pw@cache:6379');
  assert.equal(redisUrl(products({})), undefined);
});

test('when the schema is described, then secrets are marked and accept _FILE', () => {
  const rows = describeConfig(ordersSchema);
  assert.deepEqual(
    rows.filter((r) => r.required).map((r) => r.name),
    ['AUTH_ISSUER', 'AUTH_AUDIENCE', 'SERVICE_PRIVATE_KEY'],
  );
  assert.ok(rows.find((r) => r.name === 'POSTGRES_PASSWORD')?.secret);
  assert.ok(acceptedEnvNames(ordersSchema).includes('SERVICE_PRIVATE_KEY_FILE'));
  assert.ok(!describeConfig(productsSchema).some((r) => r.secret && r.name.startsWith('SERVICE_')));
  assert.ok(!acceptedEnvNames(productsSchema).includes('PORT_FILE'));
});

test('when a service starts with bad config, then it exits 1 with a one-line message', () => {
  const root = join(import.meta.dirname, '..', '..', '..');
  const r = spawnSync(process.execPath, [join(root, 'services/products/src/server.ts')], {
    env: { PATH: process.env.PATH, PORT: '39999', ...AUTH, SERVICE_TRUSTED_CALLERS: 'orders=bm90LWEta2V5' },
    encoding: 'utf8',
    timeout: 20_000,
  });
  assert.equal(r.status, 1);
  assert.equal(
    r.stderr.trim(),
    'products: SERVICE_TRUSTED_CALLERS: the key given for orders is not an Ed25519 public key',
  );
});

test('when the README config tables are compared with the schemas, then they are up to date', () => {
  const root = join(import.meta.dirname, '..', '..', '..');
  const r = spawnSync(process.execPath, [join(root, 'tools/docs/config-table.ts'), '--check'], {
    encoding: 'utf8',
    timeout: 20_000,
  });
  assert.equal(r.status, 0, r.stderr);
});
