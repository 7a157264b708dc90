import { Type, type Static } from '@sinclair/typebox';
import { commonEnv, databaseEnv, redisEnv, secret, loadConfig } from '@shipshape/platform/config';

export const configSchema = Type.Object({
  ...commonEnv('conduit', 3004),
  ...databaseEnv,
  ...redisEnv,
  CONDUIT_JWT_SECRET: secret(
    Type.String({
      minLength: 32,
      description: 'HS256 key that signs and verifies the RealWorld user tokens (at least 32 characters).',
    }),
  ),
  CONDUIT_JWT_TTL_SECONDS: Type.Integer({
    minimum: 60,
    maximum: 31_536_000,
    default: 604_800,
    description: 'Lifetime of a token issued at registration or login (default 7 days).',
  }),
  CORS_ORIGINS: Type.String({
    default: '*',
    description:
      'Origins allowed to call /api/* from a browser: "*" for any (tokens travel in a header, not cookies), or a comma-separated list.',
  }),
});
export type Config = Static<typeof configSchema>;
export const readConfig = (env: NodeJS.ProcessEnv = process.env): Config => loadConfig(configSchema, env);
