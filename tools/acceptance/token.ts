// Mints the admin token the suite needs when only the signing secret is given. Node built-ins only: the suite is
// copied into the service images and run by `helm test`, where there are no dev dependencies.
import { createHmac } from 'node:crypto';

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

/** The admin token from ACCEPTANCE_ADMIN_TOKEN, or one minted from JWT_SECRET; undefined when neither is set. */
export function adminTokenFromEnv(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const given = env.ACCEPTANCE_ADMIN_TOKEN?.trim();
  if (given) return given;
  const secret = env.JWT_SECRET?.trim();
  if (secret) return signToken(secret, { sub: 'acceptance', role: 'admin' });
  return undefined;
}
