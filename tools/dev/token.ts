// `npm run token -- --user <id|email> [--admin] [--ttl <seconds>]`: a development token the services of `npm start`
// accept. `npm run token -- --compose-env` fills the identity lines of .env for `docker compose up`. Refused in
// production configuration.
import { parseArgs } from 'node:util';
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { generateServiceKey } from '@shipshape/platform/auth';
import pg from 'pg';
import { DEV_ADMIN_SUB, DEV_ISSUER_FILE, DevIssuer, ProductionRefused } from './issuer.ts';
import { SEED_USERS } from '../db/seed.ts';
import { databaseUrlFromEnv } from '../db/targets.ts';
import { EMBEDDED_PORT } from './embedded-postgres.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const USAGE =
  'usage: npm run token -- --user <id|email> [--admin] [--ttl <seconds>]   (or --admin alone, --compose-env, --service-key)';
const ROOT = join(import.meta.dirname, '..', '..');

function fail(message: string): never {
  process.stderr.write(`token: ${message}\n`);
  process.exit(1);
}

/** A user id from an id, or from an email looked up in the users database `npm start` uses. */
async function userIdOf(user: string): Promise<string> {
  if (UUID.test(user)) return user.toLowerCase();
  const seeded = SEED_USERS.find((u) => u.email === user.toLowerCase());
  if (seeded) return seeded.id;
  const external = Boolean(process.env.DATABASE_URL || process.env.DATABASE_URL_FILE || process.env.POSTGRES_HOST);
  const url = external ? databaseUrlFromEnv() : `postgres://postgres:postgres@127.0.0.1:${EMBEDDED_PORT}/shipshape`;
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    const res = await client.query<{ id: string }>('SELECT id FROM users.users WHERE lower(email) = lower($1)', [user]);
    if (!res.rows[0]) fail(`no user has the email ${user}`);
    return res.rows[0].id;
  } catch (err) {
    return fail(`cannot look up ${user} (${(err as Error).message}); pass the user id instead`);
  } finally {
    await client.end().catch(() => {});
  }
}

const { values } = parseArgs({
  options: {
    user: { type: 'string' },
    admin: { type: 'boolean', default: false },
    ttl: { type: 'string' },
    help: { type: 'boolean', default: false },
    'compose-env': { type: 'boolean', default: false },
    'service-key': { type: 'boolean', default: false },
  },
});

/**
 * Writes the identity settings compose needs into .env (made from .env.example when missing): the development
 * issuer's public keys inline (containers cannot reach a JWKS on this machine's loopback), a fresh key pair for
 * orders' calls, and fresh tokens for `docker compose run --rm acceptance`. Mint more with `npm run token`.
 */
async function composeEnv(): Promise<void> {
  const issuer = await DevIssuer.loadOrCreate(DEV_ISSUER_FILE);
  const key = generateServiceKey();
  const values: Record<string, string> = {
    AUTH_ISSUER: issuer.issuer,
    AUTH_AUDIENCE: issuer.audience,
    AUTH_JWKS: `'${JSON.stringify(issuer.jwks())}'`,
    SERVICE_PRIVATE_KEY: key.privateKey,
    SERVICE_TRUSTED_CALLERS: `orders=${key.publicKey}`,
    ACCEPTANCE_ADMIN_TOKEN: await issuer.mint({ sub: DEV_ADMIN_SUB, admin: true }),
    ACCEPTANCE_USER_TOKEN: await issuer.mint({ sub: randomUUID() }),
  };
  const envFile = join(ROOT, '.env');
  if (!existsSync(envFile)) copyFileSync(join(ROOT, '.env.example'), envFile);
  let text = readFileSync(envFile, 'utf8');
  for (const [name, value] of Object.entries(values)) {
    const line = new RegExp(`^${name}=.*$`, 'm');
    text = line.test(text) ? text.replace(line, () => `${name}=${value}`) : `${text.trimEnd()}\n${name}=${value}\n`;
  }
  writeFileSync(envFile, text, { mode: 0o600 });
  console.log(`wrote the identity settings (issuer ${issuer.issuer}, orders' key, acceptance tokens) into .env`);
}
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
if (values['service-key']) {
  // Not a development-only thing: any deployment needs orders' key pair (Terraform makes its own on AWS).
  const key = generateServiceKey();
  console.log(`SERVICE_PRIVATE_KEY=${key.privateKey}   (orders only; a secret)`);
  console.log(`SERVICE_TRUSTED_CALLERS=orders=${key.publicKey}   (users and products)`);
  process.exit(0);
}
if (values['compose-env']) {
  try {
    await composeEnv();
  } catch (err) {
    if (err instanceof ProductionRefused) fail(err.message);
    throw err;
  }
  process.exit(0);
}
if (!values.user && !values.admin) fail(USAGE);
const ttlSeconds = values.ttl === undefined ? undefined : Number(values.ttl);
if (ttlSeconds !== undefined && !(Number.isInteger(ttlSeconds) && ttlSeconds > 0 && ttlSeconds <= 86400))
  fail('--ttl must be a whole number of seconds between 1 and 86400');
if (!existsSync(DEV_ISSUER_FILE)) fail('no development issuer yet: run `npm start` once first');
try {
  const issuer = await DevIssuer.load(DEV_ISSUER_FILE);
  const sub = values.user ? await userIdOf(values.user) : DEV_ADMIN_SUB;
  console.log(await issuer.mint({ sub, admin: values.admin, ...(ttlSeconds ? { ttlSeconds } : {}) }));
} catch (err) {
  if (err instanceof ProductionRefused) fail(err.message);
  throw err;
}
