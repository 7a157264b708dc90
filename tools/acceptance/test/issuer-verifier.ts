// A verifier of the tokens a development issuer mints, set up as a service would be, for the suite's tests.
import { UserTokenVerifier } from '@shipshape/platform/auth';
import type { DevIssuer } from '../../dev/issuer.ts';

export function verifierOf(issuer: DevIssuer, maxLifetimeSeconds = 86400): UserTokenVerifier {
  return new UserTokenVerifier({
    AUTH_ISSUER: issuer.issuer,
    AUTH_AUDIENCE: issuer.audience,
    AUTH_AUDIENCE_CLAIM: 'aud',
    AUTH_JWKS_URL: issuer.jwksUrl,
    AUTH_ALGORITHMS: 'ES256',
    AUTH_ROLES_CLAIM: 'roles',
    AUTH_ADMIN_ROLE: 'admin',
    AUTH_CLOCK_SKEW_SECONDS: 30,
    AUTH_MAX_TOKEN_LIFETIME_SECONDS: maxLifetimeSeconds,
  });
}
