import { Type, type Static } from '@sinclair/typebox';
import { commonEnv, redisEnv, upstreamEnv, loadConfig } from '@shipshape/platform/config';
import { authEnv } from '@shipshape/platform/auth';

export const configSchema = Type.Object({
  ...commonEnv('gateway', 3000),
  ...redisEnv,
  ...upstreamEnv,
  ...authEnv,
  UPSTREAM_TIMEOUT_MS: Type.Integer({
    minimum: 100,
    maximum: 120000,
    default: 10000,
    description: 'Deadline for a proxied request to a service.',
  }),
  USERS_URL: Type.String({ default: 'http://127.0.0.1:3001', description: 'Base URL of the users service.' }),
  PRODUCTS_URL: Type.String({ default: 'http://127.0.0.1:3002', description: 'Base URL of the products service.' }),
  ORDERS_URL: Type.String({ default: 'http://127.0.0.1:3003', description: 'Base URL of the orders service.' }),
  CONDUIT_URL: Type.String({
    default: 'http://127.0.0.1:3004',
    description: 'Base URL of the conduit service (the RealWorld API under /api).',
  }),
  RATE_LIMIT_MAX: Type.Integer({
    minimum: 1,
    maximum: 1_000_000_000,
    default: 600,
    description: 'Requests a client may make per window; shared across replicas through Redis.',
  }),
  RATE_LIMIT_WINDOW_MS: Type.Integer({
    minimum: 1000,
    maximum: 3600000,
    default: 60000,
    description: 'Rate-limit window.',
  }),
  BODY_LIMIT_BYTES: Type.Integer({
    minimum: 1024,
    maximum: 10485760,
    default: 1048576,
    description: 'Largest request body accepted; larger gets 413.',
  }),
  RATE_LIMIT_REDIS_PREFIX: Type.String({
    minLength: 1,
    maxLength: 100,
    default: 'gateway:ratelimit:',
    description: 'Prefix of the rate-limit counters in Redis; replicas that share it share their limits.',
  }),
  DOCS_CACHE_SECONDS: Type.Integer({
    minimum: 0,
    maximum: 3600,
    default: 30,
    description:
      'How long the combined OpenAPI document is reused before the services are asked again; 0 asks on every request.',
  }),
  TRUST_PROXY: Type.String({
    default: 'false',
    description:
      'Fastify trustProxy: false, true, a hop count, or CIDRs of the load balancer, so rate limits key on the real client.',
  }),
});
export type Config = Static<typeof configSchema>;
export const readConfig = (env: NodeJS.ProcessEnv = process.env): Config => loadConfig(configSchema, env);
