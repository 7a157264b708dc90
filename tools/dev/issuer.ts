// The development token issuer: its own ES256 key pair, a JWKS served on localhost, and the one function that mints
// user and admin tokens for `npm start`, `npm run token`, the tests, the acceptance suite, the bench and the notebook.
// It refuses to run in production configuration: there, tokens come from a real issuer (Amazon Cognito).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { dirname, join } from 'node:path';
import { createHmac, randomUUID } from 'node:crypto';
import { SignJWT, exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from 'jose';

export const DEV_AUDIENCE = 'shipshape';
export const DEV_ROLES_CLAIM = 'roles';
export const DEV_ADMIN_ROLE = 'admin';
const ALG = 'ES256';
/** Where `npm start` keeps the issuer's key and identity, so `npm run token` mints tokens the services accept. */
export const DEV_ISSUER_FILE = join(import.meta.dirname, '..', '..', '.data', 'dev-issuer.json');
/** The issuer's JWKS port under `npm start -- --port <base>`: base + 99 (3099 by default). */
export const devIssuerPort = (basePort: number) => basePort + 99;

/** The subject of development admin tokens: an id no user record has. */
export const DEV_ADMIN_SUB = '00000000-0000-4000-a000-00000000ad00';
/** Default lifetime of minted tokens: a working day. */
export const DEV_TOKEN_SECONDS = 12 * 3600;

export class ProductionRefused extends Error {
  override name = 'ProductionRefused';
}

/** NODE_ENV=production or SHIPSHAPE_ENV=production: the development issuer must not exist there. */
export function assertNotProduction(env: NodeJS.ProcessEnv = process.env): void {
  if (env.NODE_ENV === 'production' || env.SHIPSHAPE_ENV === 'production')
    throw new ProductionRefused(
      'the development token issuer is refused in production configuration (NODE_ENV or SHIPSHAPE_ENV is production); use the real issuer',
    );
}

interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
  privateJwk: JWK;
}

export interface MintOptions {
  /** The user id (the users service's record id is the token subject). */
  sub: string;
  admin?: boolean;
  roles?: string[];
  ttlSeconds?: number;
  /** Extra or overriding claims (tests use it to make bad tokens). */
  claims?: Record<string, unknown>;
  /** Override the issued-at time (seconds since the epoch). */
  iat?: number;
}

async function newKey(): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(ALG, { extractable: true });
  const kid = randomUUID();
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: ALG, use: 'sig' };
  const privateJwk = { ...(await exportJWK(privateKey)), kid, alg: ALG };
  return { kid, privateKey, publicJwk, privateJwk };
}

async function keyFromJwk(privateJwk: JWK): Promise<SigningKey> {
  const kid = String(privateJwk.kid);
  const privateKey = (await importJWK(privateJwk, ALG, { extractable: true })) as CryptoKey;
  const { d: _d, ...pub } = privateJwk;
  return { kid, privateKey, privateJwk, publicJwk: { ...pub, use: 'sig' } };
}

export class DevIssuer {
  issuer: string;
  readonly audience: string;
  private keys: SigningKey[];
  private server: Server | undefined;
  private jwksUrlValue: string | undefined;

  private constructor(issuer: string, audience: string, keys: SigningKey[]) {
    this.issuer = issuer;
    this.audience = audience;
    this.keys = keys;
  }

  /** A new issuer with a fresh key. `issuer` defaults to its own URL once it listens. */
  static async create(o: { issuer?: string; audience?: string; env?: NodeJS.ProcessEnv } = {}): Promise<DevIssuer> {
    assertNotProduction(o.env);
    return new DevIssuer(o.issuer ?? '', o.audience ?? DEV_AUDIENCE, [await newKey()]);
  }

  /** The issuer `npm start` saved, so `npm run token` mints tokens the running services accept. */
  static async load(file: string, env: NodeJS.ProcessEnv = process.env): Promise<DevIssuer> {
    assertNotProduction(env);
    const state = JSON.parse(readFileSync(file, 'utf8')) as {
      issuer: string;
      audience: string;
      jwksUrl?: string;
      keys: JWK[];
    };
    const issuer = new DevIssuer(state.issuer, state.audience, await Promise.all(state.keys.map(keyFromJwk)));
    issuer.jwksUrlValue = state.jwksUrl;
    return issuer;
  }

  /** Loads the saved issuer, or makes one and saves it. */
  static async loadOrCreate(file: string, env: NodeJS.ProcessEnv = process.env): Promise<DevIssuer> {
    if (existsSync(file)) return DevIssuer.load(file, env);
    // Named after where `npm start` serves it by default; the identifier stays when it listens elsewhere.
    const issuer = await DevIssuer.create({ env, issuer: `http://127.0.0.1:${devIssuerPort(3000)}` });
    issuer.save(file);
    return issuer;
  }

  save(file: string): void {
    mkdirSync(dirname(file), { recursive: true });
    const state = {
      issuer: this.issuer,
      audience: this.audience,
      jwksUrl: this.jwksUrlValue,
      keys: this.keys.map((k) => k.privateJwk),
    };
    writeFileSync(file, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  }

  get jwksUrl(): string {
    if (!this.jwksUrlValue) throw new Error('the development issuer is not listening');
    return this.jwksUrlValue;
  }

  /** The public keys, newest first. */
  jwks(): { keys: JWK[] } {
    return { keys: this.keys.map((k) => k.publicJwk) };
  }

  /**
   * A secret derived from the issuer's first key, as stable as the issuer itself (npm start keeps it): conduit's
   * RealWorld token key under the development launcher.
   */
  deriveSecret(label: string): string {
    const first = this.keys.at(-1) as SigningKey;
    return createHmac('sha256', String(first.privateJwk.d)).update(label).digest('hex');
  }

  /** A new signing key; the old public keys stay published so tokens already issued keep working. */
  async rotate(opts: { dropOld?: boolean } = {}): Promise<void> {
    const key = await newKey();
    this.keys = opts.dropOld ? [key] : [key, ...this.keys];
  }

  async mint(o: MintOptions): Promise<string> {
    const key = this.keys[0] as SigningKey;
    const roles = [...(o.roles ?? []), ...(o.admin ? [DEV_ADMIN_ROLE] : [])];
    const iat = o.iat ?? Math.floor(Date.now() / 1000);
    const payload: Record<string, unknown> = {
      iss: this.issuer,
      aud: this.audience,
      sub: o.sub,
      iat,
      exp: iat + (o.ttlSeconds ?? DEV_TOKEN_SECONDS),
      jti: randomUUID(),
      [DEV_ROLES_CLAIM]: roles,
      ...o.claims,
    };
    // A claim given as undefined is left out (tests make tokens without exp, iat or sub).
    for (const [k, v] of Object.entries(payload)) if (v === undefined) delete payload[k];
    return new SignJWT(payload).setProtectedHeader({ alg: ALG, kid: key.kid, typ: 'at+jwt' }).sign(key.privateKey);
  }

  /** Serves the JWKS (and a minimal discovery document) on localhost. Answers the issuer's base URL. */
  async listen(port = 0, host = '127.0.0.1'): Promise<string> {
    const server = createServer((req, res) => {
      const path = (req.url ?? '').split('?', 1)[0];
      const send = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
        res.end(JSON.stringify(body));
      };
      if (path === '/.well-known/jwks.json') return send(200, this.jwks());
      if (path === '/.well-known/openid-configuration')
        return send(200, {
          issuer: this.issuer,
          jwks_uri: this.jwksUrl,
          id_token_signing_alg_values_supported: [ALG],
        });
      return send(404, { error: 'not found' });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    // Nothing else keeps a test process alive for it.
    server.unref();
    this.server = server;
    const addr = server.address();
    const base = `http://${host}:${typeof addr === 'object' && addr ? addr.port : port}`;
    if (!this.issuer) this.issuer = base;
    this.jwksUrlValue = `${base}/.well-known/jwks.json`;
    return base;
  }

  /** The AUTH_* settings a service needs to accept this issuer's tokens. */
  env(): Record<string, string> {
    return {
      AUTH_ISSUER: this.issuer,
      AUTH_AUDIENCE: this.audience,
      AUTH_JWKS_URL: this.jwksUrl,
      AUTH_ROLES_CLAIM: DEV_ROLES_CLAIM,
      AUTH_ADMIN_ROLE: DEV_ADMIN_ROLE,
    };
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
