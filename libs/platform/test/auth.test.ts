// End-user tokens and service identity, checked through a real service app and a real JWKS over HTTP.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, createPublicKey, randomUUID } from 'node:crypto';
import { createService, type App } from '@shipshape/platform/service';
import {
  SERVICE_TOKEN_HEADER,
  ServiceTokenSigner,
  ServiceTokenVerifier,
  UserTokenVerifier,
  VerifiedTokens,
  generateServiceKey,
  parseTrustedCallers,
  type UserAuthSettings,
} from '@shipshape/platform/auth';
import { DevIssuer, ProductionRefused, assertNotProduction } from '../../../tools/dev/issuer.ts';

let issuer: DevIssuer;
let app: App;
let settings: UserAuthSettings;
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);
const ordersKey = generateServiceKey();

async function ask(token: string | undefined, url = '/me', headers: Record<string, string> = {}) {
  const res = await app.inject({
    url,
    headers: { ...(token === undefined ? {} : { authorization: `Bearer ${token}` }), ...headers },
  });
  return { status: res.statusCode, body: res.json() as Record<string, unknown>, headers: res.headers };
}

before(async () => {
  issuer = await DevIssuer.create();
  await issuer.listen();
  settings = {
    AUTH_ISSUER: issuer.issuer,
    AUTH_AUDIENCE: issuer.audience,
    AUTH_AUDIENCE_CLAIM: 'aud',
    AUTH_JWKS_URL: issuer.jwksUrl,
    AUTH_ALGORITHMS: 'RS256,ES256,EdDSA',
    AUTH_ROLES_CLAIM: 'roles',
    AUTH_ADMIN_ROLE: 'admin',
    AUTH_CLOCK_SKEW_SECONDS: 30,
    AUTH_MAX_TOKEN_LIFETIME_SECONDS: 86400,
  };
  app = await createService({
    name: 'products',
    version: '0',
    description: 'auth test',
    config: { LOG_LEVEL: 'silent', COMPANY_NAME: 'Test', OTEL_SDK_DISABLED: true },
    logger: false,
    auth: {
      // A short cooldown so the rotation test need not wait the production 30 s.
      users: new UserTokenVerifier(settings, { jwksCooldownMs: 200 }),
      services: new ServiceTokenVerifier('products', parseTrustedCallers(`orders=${ordersKey.publicKey}`)),
    },
  });
  app.get('/me', { config: { access: 'user' } }, async (request) => ({ caller: request.caller }));
  app.get('/admin', { config: { access: 'admin' } }, async () => ({ ok: true }));
  app.get('/open', { config: { access: 'public' } }, async (request) => ({ caller: request.caller }));
  app.get('/internal/x', { config: { access: 'service', services: ['orders'] } }, async (request) => ({
    from: request.callingService,
  }));
  await app.ready();
});
after(async () => {
  await app.close();
  await issuer.close();
});

describe('user tokens', () => {
  test('when a valid token is sent, then the caller is its subject with its roles', async () => {
    const sub = randomUUID();
    const res = await ask(await issuer.mint({ sub, roles: ['reader'] }));
    assert.equal(res.status, 200);
    assert.deepEqual(res.body.caller, { sub, roles: ['reader'], isAdmin: false });
    assert.equal((await ask(await issuer.mint({ sub }), '/admin')).status, 403);
    assert.equal((await ask(await issuer.mint({ sub, admin: true }), '/admin')).status, 200);
  });

  test('when no token is sent, then user routes answer 401 problem+json with WWW-Authenticate; public ones answer', async () => {
    const res = await ask(undefined);
    assert.equal(res.status, 401);
    assert.match(String(res.headers['content-type']), /application\/problem\+json/);
    assert.match(String(res.headers['www-authenticate']), /^Bearer/);
    assert.equal((await ask(undefined, '/open')).status, 200);
    assert.equal((await ask(undefined, '/admin')).status, 401);
    const basic = await app.inject({ url: '/me', headers: { authorization: 'Basic YTpi' } });
    assert.equal(basic.statusCode, 401);
  });

  test('when a token is forged, expired, from another issuer or audience, unsigned, HS/RS-confused, of an unknown key, without exp, too long-lived, or issued in the future, then 401', async () => {
    const sub = randomUUID();
    const good = await issuer.mint({ sub });
    const [h, p] = good.split('.') as [string, string, string];
    const stranger = await DevIssuer.create({ issuer: issuer.issuer });
    const publicPem = createPublicKey({ key: issuer.jwks().keys[0] as never, format: 'jwk' }).export({
      format: 'pem',
      type: 'spki',
    });
    const hsPayload = b64({ iss: issuer.issuer, aud: issuer.audience, sub, iat: now(), exp: now() + 600 });
    const hsHeader = b64({ alg: 'HS256', typ: 'JWT', kid: issuer.jwks().keys[0]?.kid });
    const hsSig = createHmac('sha256', publicPem).update(`${hsHeader}.${hsPayload}`).digest('base64url');
    const cases: [string, string][] = [
      ['forged signature', `${h}.${p}.${'A'.repeat(86)}`],
      [
        'forged payload',
        `${h}.${b64({ ...JSON.parse(Buffer.from(p, 'base64url').toString()), sub: 'admin', roles: ['admin'] })}.${good.split('.')[2]}`,
      ],
      ['expired', await issuer.mint({ sub, iat: now() - 7200, ttlSeconds: 3600 })],
      ['wrong issuer', await issuer.mint({ sub, claims: { iss: 'https://evil.example.com' } })],
      ['wrong audience', await issuer.mint({ sub, claims: { aud: 'another-api' } })],
      ['alg none', `${b64({ alg: 'none', typ: 'JWT' })}.${hsPayload}.`],
      ['HS256 signed with the public key', `${hsHeader}.${hsPayload}.${hsSig}`],
      ['unknown kid', await stranger.mint({ sub })],
      ['no exp', await issuer.mint({ sub, claims: { exp: undefined } })],
      ['no iat', await issuer.mint({ sub, claims: { iat: undefined } })],
      ['exp a year away', await issuer.mint({ sub, ttlSeconds: 365 * 86400 })],
      ['iat in the future', await issuer.mint({ sub, iat: now() + 3600 })],
      ['nbf in the future', await issuer.mint({ sub, claims: { nbf: now() + 3600 } })],
      ['no sub', await issuer.mint({ sub, claims: { sub: undefined } })],
      ['not a JWT', 'not-a-token'],
    ];
    for (const [what, token] of cases) {
      const res = await ask(token);
      assert.equal(res.status, 401, `${what}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.type, 'https://shipshape.dev/problems/unauthorized', what);
      assert.ok(!JSON.stringify(res.body).includes(token.slice(-20)), `${what}: the answer does not echo the token`);
      // A bad token is refused on public routes too: a client learns at once that it holds a broken token.
      assert.equal((await ask(token, '/open')).status, 401, `${what} on a public route`);
    }
    // Within the tolerated skew, clocks that differ a little still agree.
    assert.equal((await ask(await issuer.mint({ sub, iat: now() + 10 }))).status, 200);
    assert.equal((await ask(await issuer.mint({ sub, claims: { nbf: now() + 10 } }))).status, 200);
  });

  test('when the issuer rotates its key, then new tokens are accepted without a restart and old ones keep working', async () => {
    const sub = randomUUID();
    const before = await issuer.mint({ sub });
    assert.equal((await ask(before)).status, 200);
    await issuer.rotate();
    const rotated = await issuer.mint({ sub });
    assert.notEqual(JSON.parse(Buffer.from(rotated.split('.')[0] as string, 'base64url').toString()).kid, undefined);
    await new Promise((r) => setTimeout(r, 250));
    assert.equal((await ask(rotated)).status, 200, 'the new key is fetched when its kid first appears');
    assert.equal((await ask(before)).status, 200, 'the old key is still published');
  });

  test('when Cognito-style access tokens are configured (client_id, cognito:groups), then they are understood', async () => {
    const cognito = new UserTokenVerifier(
      {
        ...settings,
        AUTH_AUDIENCE_CLAIM: 'client_id',
        AUTH_AUDIENCE: 'app-client-1',
        AUTH_ROLES_CLAIM: 'cognito:groups',
      },
      { jwksCooldownMs: 200 },
    );
    const sub = randomUUID();
    const ok = await issuer.mint({
      sub,
      claims: { aud: undefined, client_id: 'app-client-1', token_use: 'access', 'cognito:groups': ['admin'] },
    });
    assert.deepEqual(await cognito.verify(ok), { sub, roles: ['admin'], isAdmin: true });
    const other = await issuer.mint({ sub, claims: { aud: undefined, client_id: 'another-client' } });
    await assert.rejects(cognito.verify(other), /client_id/);
  });
});

describe('service identity', () => {
  test('when orders calls with its token for products, then the route knows the caller; anything else is refused', async () => {
    const signer = new ServiceTokenSigner('orders', ordersKey.privateKey);
    const ok = await ask(undefined, '/internal/x', { [SERVICE_TOKEN_HEADER]: await signer.tokenFor('products') });
    assert.equal(ok.status, 200);
    assert.equal(ok.body.from, 'orders');
    const impostor = new ServiceTokenSigner('orders', generateServiceKey().privateKey);
    const refused: [string, Record<string, string>][] = [
      ['no identity', {}],
      ['a user admin token', { authorization: `Bearer ${await issuer.mint({ sub: randomUUID(), admin: true })}` }],
      ['a token addressed to users', { [SERVICE_TOKEN_HEADER]: await signer.tokenFor('users') }],
      ['an impostor key', { [SERVICE_TOKEN_HEADER]: await impostor.tokenFor('products') }],
      ['garbage', { [SERVICE_TOKEN_HEADER]: 'x.y.z' }],
    ];
    for (const [what, headers] of refused)
      assert.equal((await ask(undefined, '/internal/x', headers)).status, 401, what);
  });
});

describe('key handling', () => {
  test('when a caller is listed with two keys during a rotation, then tokens signed with either are accepted', async () => {
    const next = generateServiceKey();
    const verifier = new ServiceTokenVerifier(
      'products',
      parseTrustedCallers(`orders=${ordersKey.publicKey},orders=${next.publicKey}`),
    );
    for (const key of [ordersKey, next])
      assert.equal(
        await verifier.verify(await new ServiceTokenSigner('orders', key.privateKey).tokenFor('products')),
        'orders',
      );
    await assert.rejects(
      verifier.verify(await new ServiceTokenSigner('orders', generateServiceKey().privateKey).tokenFor('products')),
      /signature/,
    );
  });

  test('when the key set is given inline (AUTH_JWKS), then tokens verify without fetching; a bad or missing set stops the start', async () => {
    const inline = new UserTokenVerifier({
      ...settings,
      AUTH_JWKS_URL: undefined,
      AUTH_JWKS: JSON.stringify(issuer.jwks()),
    });
    const sub = randomUUID();
    assert.equal((await inline.verify(await issuer.mint({ sub }))).sub, sub);
    assert.throws(
      () => new UserTokenVerifier({ ...settings, AUTH_JWKS_URL: undefined, AUTH_JWKS: '{nope' }),
      /AUTH_JWKS is not/,
    );
    assert.throws(
      () => new UserTokenVerifier({ ...settings, AUTH_JWKS_URL: undefined }),
      /AUTH_JWKS_URL \(or AUTH_JWKS\) is required/,
    );
    assert.throws(() => new UserTokenVerifier({ ...settings, AUTH_JWKS: '{"keys":[]}' }), /not both/);
  });
});

describe('declared policies', () => {
  test('when a route is added without an access policy, then registering it fails', async () => {
    const fresh = await createService({
      name: 'users',
      version: '0',
      description: 'undeclared',
      config: { LOG_LEVEL: 'silent', COMPANY_NAME: 'Test', OTEL_SDK_DISABLED: true },
      logger: false,
    });
    assert.throws(() => fresh.get('/undeclared', async () => ({})), /route GET \/undeclared declares no access policy/);
    assert.throws(
      () => fresh.get('/only-services', { config: { access: 'service' } }, async () => ({})),
      /lists no services/,
    );
    await fresh.close();
  });

  test('when production configuration is detected, then the development issuer refuses to exist', async () => {
    assert.throws(() => assertNotProduction({ NODE_ENV: 'production' }), ProductionRefused);
    assert.throws(() => assertNotProduction({ SHIPSHAPE_ENV: 'production' }), ProductionRefused);
    await assert.rejects(DevIssuer.create({ env: { NODE_ENV: 'production' } }), ProductionRefused);
  });
});

describe('verified tokens are remembered, briefly', () => {
  test('when a token was verified, then it is remembered until its exp or a minute, whichever comes first', () => {
    const cache = new VerifiedTokens<string>();
    const now = 1_000_000_000_000;
    cache.set('a', 'caller-a', now / 1000 + 3600, now);
    cache.set('b', 'caller-b', now / 1000 + 10, now);
    assert.equal(cache.get('a', now + 59_000), 'caller-a');
    assert.equal(cache.get('a', now + 60_001), undefined, 'never longer than a minute');
    assert.equal(cache.get('b', now + 9_000), 'caller-b');
    assert.equal(cache.get('b', now + 10_001), undefined, 'never past the token exp');
    cache.set('c', 'caller-c', now / 1000 - 1, now);
    assert.equal(cache.get('c', now), undefined, 'an expired token is not remembered');
  });

  test('when more distinct tokens arrive than it holds, then the oldest are forgotten and its size stays bounded', () => {
    const cache = new VerifiedTokens<number>();
    const now = Date.now();
    for (let i = 0; i < VerifiedTokens.VERIFIED_MAX + 50; i++) cache.set(`t${i}`, i, now / 1000 + 600, now);
    assert.equal(cache.size, VerifiedTokens.VERIFIED_MAX);
    assert.equal(cache.get('t0', now), undefined);
    assert.equal(cache.get(`t${VerifiedTokens.VERIFIED_MAX + 49}`, now), VerifiedTokens.VERIFIED_MAX + 49);
  });

  test('when a token is sent again, then the same caller answers without a second signature check; a tampered copy is still refused', async () => {
    const sub = randomUUID();
    const token = await issuer.mint({ sub });
    assert.equal((await ask(token)).status, 200);
    assert.equal((await ask(token)).status, 200);
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const flipped = `${signature.slice(0, -2)}${signature.at(-2) === 'A' ? 'B' : 'A'}${signature.at(-1)}`;
    assert.equal((await ask(`${header}.${payload}.${flipped}`)).status, 401);
  });
});
