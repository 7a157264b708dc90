// Mints the admin token the suite needs when only the signing secret is given. Node built-ins only: the suite is
// copied into the service images and run by `helm test`, where there are no dev dependencies.
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';

const base64url = (value: string | Buffer): string => Buffer.from(value).toString('base64url');

export interface TokenClaims {
  sub: string;
  role: string;
}

/** An HS256 JWT carrying `claims`, valid for `ttlSeconds`. */
export function signToken(secret: string, claims: TokenClaims, ttlSeconds = 300, now = Date.now()): string {
  const iat = Math.floor(now / 1000);
  const header = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const payload = base64url(JSON.stringify({ ...claims, iat, exp: iat + ttlSeconds }));
  const signature = createHmac('sha256', secret).update(`${header}.${payload}`).digest('base64url');
  return `${header}.${payload}.${signature}`;
}

/** Where `npm start` keeps the signing secret of a local development system (git-ignored). */
export const DEV_SECRET_FILE = new URL('../../.data/dev-jwt-secret', import.meta.url);

export interface AdminToken {
  token: string;
  /** Where it came from, for the report. */
  source: string;
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * The admin token from ACCEPTANCE_ADMIN_TOKEN, or one signed with JWT_SECRET; for a system on this machine, one signed
 * with the secret `npm start` keeps. Undefined when there is none.
 */
export function findAdminToken(
  baseUrl: string,
  env: NodeJS.ProcessEnv = process.env,
  devSecretFile: URL = DEV_SECRET_FILE,
): AdminToken | undefined {
  const claims = { sub: 'acceptance', role: 'admin' };
  const given = env.ACCEPTANCE_ADMIN_TOKEN?.trim();
  if (given) return { token: given, source: 'ACCEPTANCE_ADMIN_TOKEN' };
  const secret = env.JWT_SECRET?.trim();
  if (secret) return { token: signToken(secret, claims), source: 'signed with JWT_SECRET' };
  if (!LOOPBACK.has(new URL(baseUrl).hostname)) return undefined;
  try {
    const devSecret = readFileSync(devSecretFile, 'utf8').trim();
    return devSecret
      ? { token: signToken(devSecret, claims), source: 'signed with the npm start development secret' }
      : undefined;
  } catch {
    return undefined;
  }
}
