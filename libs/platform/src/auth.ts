// Who is calling: end users carry OpenID Connect style access tokens (asymmetrically signed JWTs verified against the
// issuer's JWKS); services carry short-lived tokens signed with their own key. Every route declares who may call it.
import { createPrivateKey, createPublicKey, generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import type { FastifyInstance, FastifyRequest, RouteOptions } from 'fastify';
import fp from 'fastify-plugin';
import { Type, type Static } from '@sinclair/typebox';
import {
  SignJWT,
  createLocalJWKSet,
  createRemoteJWKSet,
  decodeProtectedHeader,
  errors as joseErrors,
  jwtVerify,
  type JWTPayload,
  type JWTVerifyGetKey,
} from 'jose';
import { ConfigError, secret } from './config.ts';
import { Problem } from './errors.ts';

/** Only asymmetric algorithms: a shared secret would let every service mint tokens. */
const ASYMMETRIC = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const;
const ALGORITHM_LIST = `^(${ASYMMETRIC.join('|')})(,(${ASYMMETRIC.join('|')}))*$`;

/** End-user token settings, the same for every service (and the gateway). */
export const authEnv = {
  AUTH_ISSUER: Type.String({
    minLength: 1,
    description:
      'Expected `iss` of user tokens: the OpenID Connect issuer (e.g. https://cognito-idp.<region>.amazonaws.com/<pool id>).',
  }),
  AUTH_AUDIENCE: Type.String({
    minLength: 1,
    description: 'Expected audience of user tokens (the API identifier, or the Cognito app client id).',
  }),
  AUTH_AUDIENCE_CLAIM: Type.Union([Type.Literal('aud'), Type.Literal('client_id')], {
    default: 'aud',
    description: 'Claim that carries the audience: aud (OIDC), or client_id (Cognito access tokens have no aud).',
  }),
  AUTH_JWKS_URL: Type.Optional(
    Type.String({
      pattern: '^https?://',
      description:
        "URL of the issuer's JSON Web Key Set; keys are cached and refetched when an unknown kid appears. This or AUTH_JWKS.",
    }),
  ),
  AUTH_JWKS: Type.Optional(
    Type.String({
      pattern: '^\\s*\\{',
      description:
        'The JSON Web Key Set itself, instead of AUTH_JWKS_URL (compose, air-gapped installs); a new key then needs a restart.',
    }),
  ),
  AUTH_ALGORITHMS: Type.String({
    pattern: ALGORITHM_LIST,
    default: 'RS256,ES256,EdDSA',
    description: 'Comma-separated allow-list of signature algorithms; only asymmetric ones are accepted.',
  }),
  AUTH_ROLES_CLAIM: Type.String({
    minLength: 1,
    default: 'roles',
    description: 'Claim holding the caller’s roles or groups (roles for the development issuer, cognito:groups).',
  }),
  AUTH_ADMIN_ROLE: Type.String({ minLength: 1, default: 'admin', description: 'Role (or group) that makes an admin.' }),
  AUTH_CLOCK_SKEW_SECONDS: Type.Integer({
    minimum: 0,
    maximum: 300,
    default: 30,
    description: 'Clock skew tolerated on exp, nbf and iat.',
  }),
  AUTH_MAX_TOKEN_LIFETIME_SECONDS: Type.Integer({
    minimum: 60,
    maximum: 86400,
    default: 86400,
    description: 'Longest accepted token lifetime (exp - iat); tokens without exp or iat are refused.',
  }),
};
const UserAuthSettings = Type.Object(authEnv);
export type UserAuthSettings = Static<typeof UserAuthSettings>;

/** The key a calling service signs its calls with (orders, which calls users and products). */
export const servicePrivateKeyEnv = {
  SERVICE_PRIVATE_KEY: secret(
    Type.String({
      minLength: 16,
      description:
        'Ed25519 private key (PKCS#8 PEM, or its base64 body on one line) that signs this service’s calls to others.',
    }),
  ),
};

/** The callers a called service trusts (users and products trust orders). */
export const trustedCallersEnv = {
  SERVICE_TRUSTED_CALLERS: Type.String({
    pattern: '^[a-z][a-z0-9-]*=[A-Za-z0-9_+/=-]+(,[a-z][a-z0-9-]*=[A-Za-z0-9_+/=-]+)*$',
    description:
      'Services allowed to call this one, as name=<Ed25519 public key> pairs (base64url raw key or base64 SPKI), comma-separated.',
  }),
};
export interface ServiceIdentitySettings {
  SERVICE_PRIVATE_KEY?: string | undefined;
  SERVICE_TRUSTED_CALLERS?: string | undefined;
}

/** The header that carries a service identity token; the gateway never forwards it from clients. */
export const SERVICE_TOKEN_HEADER = 'x-service-token';
const SERVICE_TOKEN_SECONDS = 60;

/** A verified end user. */
export interface Caller {
  sub: string;
  roles: string[];
  isAdmin: boolean;
}

/**
 * Who may call a route. `public`: anyone (a presented token must still be valid); `user`: a signed-in user (the
 * handler decides which records are theirs); `admin`: the admin role; `service`: only the listed services;
 * `own`: the route authenticates callers itself (the RealWorld `Token` scheme).
 */
export type Access = 'public' | 'user' | 'admin' | 'service' | 'own';
export interface AccessPolicy {
  access: Access;
  /** Services that may call with their service identity (required for `service`, optional for `user`). */
  services?: readonly string[];
}

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
    services?: readonly string[];
  }
  interface FastifyRequest {
    /** The verified end user, or null when anonymous. */
    caller: Caller | null;
    /** The verified calling service, or null. */
    callingService: string | null;
  }
}

/** Platform routes every service has: answered for anyone, without a token. */
const PLATFORM_PUBLIC = /^\/(health(\/.*)?|ready|metrics|docs(\/.*)?)$/;

export const unauthorized = (detail: string) =>
  new Problem(401, 'unauthorized', 'Unauthorized', detail, {}, { 'www-authenticate': 'Bearer realm="shipshape"' });
export const forbidden = (detail: string) => new Problem(403, 'forbidden', 'Forbidden', detail);

/** Why a token was refused; the message names the check, never the token. */
export class TokenRejected extends Error {
  override name = 'TokenRejected';
}

function describeJoseError(err: unknown): string {
  if (err instanceof joseErrors.JWTExpired) return 'the token has expired';
  if (err instanceof joseErrors.JWTClaimValidationFailed) return `the token's ${err.claim} claim is not acceptable`;
  if (err instanceof joseErrors.JWKSNoMatchingKey) return 'the token was signed with an unknown key';
  if (err instanceof joseErrors.JOSEAlgNotAllowed) return 'the token uses an algorithm that is not allowed';
  if (err instanceof joseErrors.JWSSignatureVerificationFailed) return 'the token signature is invalid';
  if (err instanceof joseErrors.JWKSTimeout || err instanceof joseErrors.JWKSInvalid)
    return 'the issuer keys could not be loaded';
  return 'the token is malformed';
}

/**
 * Tokens already verified, by their exact text: a signature check costs 0.3-0.5 ms of CPU (WebCrypto through jose),
 * and the same token arrives on every request of its holder, at the gateway and again at each service. An entry
 * lives at most VERIFIED_FOR_MS and never past the token's own exp; at most VERIFIED_MAX entries (the oldest go
 * first), so a flood of distinct tokens costs verifications, not memory. Only successful verifications are kept: a
 * forged, expired or refused token is checked (and refused) every time. The price: a signing key withdrawn by its
 * issuer stops tokens this process has already seen at most VERIFIED_FOR_MS later.
 */
export class VerifiedTokens<T> {
  static readonly VERIFIED_FOR_MS = 60_000;
  static readonly VERIFIED_MAX = 10_000;
  private readonly entries = new Map<string, { value: T; until: number }>();

  get(token: string, now = Date.now()): T | undefined {
    const hit = this.entries.get(token);
    if (!hit) return undefined;
    if (hit.until > now) return hit.value;
    this.entries.delete(token);
    return undefined;
  }

  /** Remembers a verified token until min(exp, now + VERIFIED_FOR_MS). */
  set(token: string, value: T, expSeconds: number, now = Date.now()): void {
    const until = Math.min(expSeconds * 1000, now + VerifiedTokens.VERIFIED_FOR_MS);
    if (until <= now) return;
    if (this.entries.size >= VerifiedTokens.VERIFIED_MAX) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(token, { value, until });
  }

  get size(): number {
    return this.entries.size;
  }
}

/** Verifies end-user access tokens against the configured issuer. */
export class UserTokenVerifier {
  private readonly s: UserAuthSettings;
  private readonly keys: JWTVerifyGetKey;
  private readonly algorithms: string[];
  private readonly verified = new VerifiedTokens<Caller>();

  constructor(settings: UserAuthSettings, opts: { keys?: JWTVerifyGetKey; jwksCooldownMs?: number } = {}) {
    this.s = settings;
    this.algorithms = settings.AUTH_ALGORITHMS.split(',');
    this.keys = opts.keys ?? UserTokenVerifier.keySet(settings, opts.jwksCooldownMs ?? 30_000);
  }

  /** The issuer's keys: fetched from AUTH_JWKS_URL (and refetched on an unknown kid), or AUTH_JWKS as given. */
  private static keySet(s: UserAuthSettings, cooldownMs: number): JWTVerifyGetKey {
    if (s.AUTH_JWKS_URL && s.AUTH_JWKS) throw new ConfigError('set AUTH_JWKS_URL or AUTH_JWKS, not both');
    if (s.AUTH_JWKS) {
      try {
        return createLocalJWKSet(JSON.parse(s.AUTH_JWKS) as Parameters<typeof createLocalJWKSet>[0]);
      } catch {
        throw new ConfigError('AUTH_JWKS is not a JSON Web Key Set ({"keys": [...]})');
      }
    }
    if (!s.AUTH_JWKS_URL) throw new ConfigError('AUTH_JWKS_URL (or AUTH_JWKS) is required');
    return createRemoteJWKSet(new URL(s.AUTH_JWKS_URL), {
      timeoutDuration: 3000,
      // An unknown kid refetches the set at most this often: rotation is picked up, floods cost one fetch.
      cooldownDuration: cooldownMs,
      cacheMaxAge: 600_000,
    });
  }

  async verify(token: string): Promise<Caller> {
    const known = this.verified.get(token);
    if (known) return known;
    const s = this.s;
    const skew = s.AUTH_CLOCK_SKEW_SECONDS;
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.keys, {
        issuer: s.AUTH_ISSUER,
        ...(s.AUTH_AUDIENCE_CLAIM === 'aud' ? { audience: s.AUTH_AUDIENCE } : {}),
        algorithms: this.algorithms,
        clockTolerance: skew,
        maxTokenAge: s.AUTH_MAX_TOKEN_LIFETIME_SECONDS,
        requiredClaims: ['exp', 'iat', 'sub'],
      }));
    } catch (err) {
      throw new TokenRejected(describeJoseError(err));
    }
    if (s.AUTH_AUDIENCE_CLAIM === 'client_id' && payload.client_id !== s.AUTH_AUDIENCE)
      throw new TokenRejected("the token's client_id claim is not acceptable");
    const iat = payload.iat as number;
    const exp = payload.exp as number;
    if (exp - iat > s.AUTH_MAX_TOKEN_LIFETIME_SECONDS + skew)
      throw new TokenRejected(`the token lives longer than ${s.AUTH_MAX_TOKEN_LIFETIME_SECONDS} s`);
    if (typeof payload.sub !== 'string' || payload.sub.length === 0 || payload.sub.length > 255)
      throw new TokenRejected("the token's sub claim is not acceptable");
    const claim = payload[s.AUTH_ROLES_CLAIM];
    const roles = Array.isArray(claim)
      ? claim.filter((r): r is string => typeof r === 'string')
      : typeof claim === 'string'
        ? claim.split(/[\s,]+/).filter(Boolean)
        : [];
    // Frozen: the same object answers every later request with this token.
    const caller: Caller = Object.freeze({
      sub: payload.sub,
      roles: Object.freeze(roles) as string[],
      isAdmin: roles.includes(s.AUTH_ADMIN_ROLE),
    });
    this.verified.set(token, caller, exp);
    return caller;
  }
}

// --- Service identity ---------------------------------------------------------------------------------------------

/** PKCS#8 PEM, or its base64 body on one line (easier in env files). */
export function parsePrivateKey(text: string): KeyObject {
  const t = text.trim();
  const pem = t.startsWith('-----') ? t : `-----BEGIN PRIVATE KEY-----\n${t}\n-----END PRIVATE KEY-----`;
  const key = createPrivateKey(pem);
  if (key.asymmetricKeyType !== 'ed25519') throw new Error('SERVICE_PRIVATE_KEY must be an Ed25519 key');
  return key;
}

/** base64url raw 32-byte key (a JWK's x), or base64 SPKI DER. */
export function parsePublicKey(text: string): KeyObject {
  const raw = Buffer.from(text, text.includes('+') || text.includes('/') ? 'base64' : 'base64url');
  if (raw.length === 32)
    return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') }, format: 'jwk' });
  const key = createPublicKey({ key: Buffer.from(text, 'base64'), format: 'der', type: 'spki' });
  if (key.asymmetricKeyType !== 'ed25519') throw new Error('not an Ed25519 public key');
  return key;
}

/** Public half of a private key in the form SERVICE_TRUSTED_CALLERS takes. */
export function publicKeyText(privateKey: KeyObject | string): string {
  const key = typeof privateKey === 'string' ? parsePrivateKey(privateKey) : privateKey;
  return String(createPublicKey(key).export({ format: 'jwk' }).x);
}

/** A fresh Ed25519 key pair in the forms SERVICE_PRIVATE_KEY and SERVICE_TRUSTED_CALLERS take. */
export function generateServiceKey(): { privateKey: string; publicKey: string } {
  const { privateKey } = generateKeyPairSync('ed25519');
  const der = privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64');
  return { privateKey: der, publicKey: publicKeyText(privateKey) };
}

/** SERVICE_TRUSTED_CALLERS → name → keys (a name may be listed twice while its key is rotated). */
export function parseTrustedCallers(text: string): Map<string, KeyObject[]> {
  const out = new Map<string, KeyObject[]>();
  for (const entry of text.split(',').filter(Boolean)) {
    const at = entry.indexOf('=');
    const name = entry.slice(0, at);
    try {
      out.set(name, [...(out.get(name) ?? []), parsePublicKey(entry.slice(at + 1))]);
    } catch {
      throw new ConfigError(`SERVICE_TRUSTED_CALLERS: the key given for ${name} is not an Ed25519 public key`);
    }
  }
  return out;
}

/** Signs this service's calls: one short-lived token per callee, reused until it is half-way to expiry. */
export class ServiceTokenSigner {
  readonly name: string;
  private readonly key: KeyObject;
  private readonly cached = new Map<string, { token: string; renewAt: number }>();

  constructor(name: string, privateKey: KeyObject | string) {
    this.name = name;
    this.key = typeof privateKey === 'string' ? parsePrivateKey(privateKey) : privateKey;
  }

  async tokenFor(callee: string): Promise<string> {
    const hit = this.cached.get(callee);
    if (hit && hit.renewAt > Date.now()) return hit.token;
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: 'EdDSA', typ: 'service+jwt', kid: this.name })
      .setIssuer(this.name)
      .setSubject(this.name)
      .setAudience(callee)
      .setIssuedAt()
      .setExpirationTime(`${SERVICE_TOKEN_SECONDS}s`)
      .setJti(randomUUID())
      .sign(this.key);
    this.cached.set(callee, { token, renewAt: Date.now() + (SERVICE_TOKEN_SECONDS * 1000) / 2 });
    return token;
  }
}

/** Verifies service tokens addressed to `self` from the trusted callers; answers the caller's name. */
export class ServiceTokenVerifier {
  private readonly self: string;
  private readonly trusted: Map<string, KeyObject[]>;
  private readonly verified = new VerifiedTokens<string>();

  constructor(self: string, trusted: Map<string, KeyObject[]>) {
    this.self = self;
    this.trusted = trusted;
  }

  async verify(token: string): Promise<string> {
    const known = this.verified.get(token);
    if (known) return known;
    let kid: string | undefined;
    try {
      kid = decodeProtectedHeader(token).kid;
    } catch {
      throw new TokenRejected('the service token is malformed');
    }
    const keys = kid === undefined ? undefined : this.trusted.get(kid);
    if (!keys || kid === undefined)
      throw new TokenRejected('the service token comes from a caller that is not trusted');
    let last: unknown;
    for (const key of keys) {
      try {
        const { payload } = await jwtVerify(token, key, {
          algorithms: ['EdDSA'],
          issuer: kid,
          audience: this.self,
          clockTolerance: 5,
          maxTokenAge: SERVICE_TOKEN_SECONDS * 5,
          requiredClaims: ['exp', 'iat'],
          typ: 'service+jwt',
        });
        this.verified.set(token, kid, payload.exp as number);
        return kid;
      } catch (err) {
        last = err;
      }
    }
    throw new TokenRejected(`service token: ${describeJoseError(last)}`);
  }
}

// --- The plugin ----------------------------------------------------------------------------------------------------

export interface AuthOptions {
  /** This service's name: the audience of service tokens addressed to it. */
  service: string;
  /** Without user settings every end user is anonymous (only public routes answer). */
  users?: UserTokenVerifier | undefined;
  services?: ServiceTokenVerifier | undefined;
}

/** A route's declared policy (its `config`). */
type RoutePolicy = { access?: Access; services?: readonly string[] };

const ACCESS: readonly Access[] = ['public', 'user', 'admin', 'service', 'own'];

function bearerOf(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const m = /^Bearer +([A-Za-z0-9_.~+/=-]+)$/i.exec(header.trim());
  if (!m) throw unauthorized('the Authorization header must be "Bearer <token>"');
  return m[1];
}

/** Checks a route's declared policy at registration: a route nobody thought about does not start. */
function declaredPolicy(route: RouteOptions): void {
  const config = (route.config ?? {}) as { access?: Access; services?: readonly string[] };
  // Platform routes, and CORS preflights (answered before any route logic, for anyone by nature).
  if (config.access === undefined && (PLATFORM_PUBLIC.test(route.url) || route.method === 'OPTIONS')) {
    route.config = { ...config, access: 'public' } as RouteOptions['config'];
    return;
  }
  const methods = Array.isArray(route.method) ? route.method.join(',') : route.method;
  if (config.access === undefined || !ACCESS.includes(config.access))
    throw new Error(`route ${methods} ${route.url} declares no access policy (config.access)`);
  if (config.access === 'service' && !config.services?.length)
    throw new Error(`route ${methods} ${route.url} is service-only but lists no services`);
}

/** Verifies callers and enforces each route's declared access policy; handlers decide what is whose. */
export const authPlugin = fp<AuthOptions>(
  async function auth(app: FastifyInstance, opts: AuthOptions) {
    app.decorateRequest('caller', null);
    app.decorateRequest('callingService', null);
    app.addHook('onRoute', declaredPolicy);
    // preParsing: after onRequest guards (path checks, rate limits) and before the body is read or validated, so an
    // anonymous caller spends no parsing and learns nothing about the body schema. A callback hook: an anonymous
    // read of a public route (most requests) passes without a promise.
    app.addHook('preParsing', (request, _reply, payload, done) => {
      const config = request.routeOptions.config as RoutePolicy | undefined;
      const access = config?.access;
      // No route matched (404) or the route authenticates by itself.
      if (access === undefined || access === 'own') return done(null, payload);
      if (
        access === 'public' &&
        request.headers.authorization === undefined &&
        request.headers[SERVICE_TOKEN_HEADER] === undefined
      )
        return done(null, payload);
      authenticate(request, config as RoutePolicy & { access: Access }).then(
        () => done(null, payload),
        (err: Error) => done(err),
      );
    });

    async function authenticate(request: FastifyRequest, config: RoutePolicy & { access: Access }): Promise<void> {
      const access = config.access;
      const allowed = config.services ?? [];
      const serviceToken = request.headers[SERVICE_TOKEN_HEADER];
      if (allowed.length > 0 && typeof serviceToken === 'string') {
        if (!opts.services) throw unauthorized('this service trusts no callers');
        try {
          request.callingService = await opts.services.verify(serviceToken);
        } catch (err) {
          throw unauthorized(err instanceof TokenRejected ? err.message : 'the service token is invalid');
        }
        if (!allowed.includes(request.callingService))
          throw forbidden(`service ${request.callingService} may not call this route`);
        return;
      }
      if (access === 'service') throw unauthorized('a service identity token is required');
      const token = bearerOf(request.headers.authorization);
      if (token !== undefined) {
        if (!opts.users) throw unauthorized('this service accepts no user tokens');
        try {
          request.caller = await opts.users.verify(token);
        } catch (err) {
          throw unauthorized(err instanceof TokenRejected ? err.message : 'the token is invalid');
        }
      }
      if (access === 'public') return;
      if (!request.caller) throw unauthorized('a bearer token is required');
      if (access === 'admin' && !request.caller.isAdmin) throw forbidden('this needs the admin role');
    }
  },
  { name: 'auth', fastify: '5.x' },
);

/** True when the caller may act on records of `userId`: that user, an admin, or a trusted service. */
export function mayActFor(request: FastifyRequest, userId: string): boolean {
  if (request.callingService) return true;
  const c = request.caller;
  return c !== null && (c.isAdmin || c.sub.toLowerCase() === userId.toLowerCase());
}

/** The verifiers a service's config asks for; throws (naming the variable) on a bad service key. */
export function verifiersFrom(
  name: string,
  c: Partial<UserAuthSettings> & Partial<ServiceIdentitySettings>,
): Pick<AuthOptions, 'users' | 'services'> & { signer?: ServiceTokenSigner } {
  const users = c.AUTH_ISSUER !== undefined ? new UserTokenVerifier(c as UserAuthSettings) : undefined;
  const trusted = parseTrustedCallers(c.SERVICE_TRUSTED_CALLERS ?? '');
  const services = trusted.size > 0 ? new ServiceTokenVerifier(name, trusted) : undefined;
  let signer: ServiceTokenSigner | undefined;
  if (c.SERVICE_PRIVATE_KEY) {
    try {
      signer = new ServiceTokenSigner(name, c.SERVICE_PRIVATE_KEY);
    } catch {
      throw new ConfigError('SERVICE_PRIVATE_KEY is not an Ed25519 private key (PKCS#8 PEM or its base64 body)');
    }
  }
  return { users, services, ...(signer ? { signer } : {}) };
}
