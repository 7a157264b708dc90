// The tokens the suite calls with: an admin token and a token for a user the suite signs up as. Given as
// ACCEPTANCE_ADMIN_TOKEN and ACCEPTANCE_USER_TOKEN (any issuer the system trusts: Cognito in production, where
// `helm test` runs the suite), or, for a system on this machine started by `npm start`, minted by its development
// issuer. The suite itself imports nothing outside Node: the issuer is loaded only when it mints.
import { existsSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';

/** Where `npm start` keeps its development issuer (git-ignored); the same path as tools/dev/issuer.ts. */
export const DEV_ISSUER_FILE = fileURLToPath(new URL('../../.data/dev-issuer.json', import.meta.url));

export interface Tokens {
  admin: string;
  /** A user token; the suite signs up (POST /users) as its subject, acts as that user, and deletes the record. */
  user: string;
  /** Where they came from, for the report. */
  source: string;
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/** Undefined when there are none (a remote system and no tokens given). */
export async function findTokens(
  baseUrl: string,
  env: NodeJS.ProcessEnv = process.env,
  issuerFile: string = DEV_ISSUER_FILE,
): Promise<Tokens | undefined> {
  const admin = env.ACCEPTANCE_ADMIN_TOKEN?.trim();
  const user = env.ACCEPTANCE_USER_TOKEN?.trim();
  if (admin && user) return { admin, user, source: 'ACCEPTANCE_ADMIN_TOKEN and ACCEPTANCE_USER_TOKEN' };
  if (admin || user) return undefined;
  if (!LOOPBACK.has(new URL(baseUrl).hostname) || !existsSync(issuerFile)) return undefined;
  const { DevIssuer, DEV_ADMIN_SUB } = await import('../dev/issuer.ts');
  const issuer = await DevIssuer.load(issuerFile, env);
  return {
    admin: await issuer.mint({ sub: DEV_ADMIN_SUB, admin: true, ttlSeconds: 900 }),
    // A subject no record has yet: the suite's sign-up creates it.
    user: await issuer.mint({ sub: randomUUID(), ttlSeconds: 900 }),
    source: 'minted by the npm start development issuer',
  };
}
