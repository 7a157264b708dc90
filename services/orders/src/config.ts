import { Type, type Static } from '@sinclair/typebox';
import { commonEnv, databaseEnv, upstreamEnv, loadConfig } from '@shipshape/platform/config';
import { dynamodbEnv, storeEnv } from '@shipshape/platform/config';
import { authEnv, servicePrivateKeyEnv } from '@shipshape/platform/auth';

export const configSchema = Type.Object({
  ...commonEnv('orders', 3003),
  ...databaseEnv,
  ...storeEnv,
  ...dynamodbEnv('shipshape-orders'),
  ...upstreamEnv,
  ...authEnv,
  ...servicePrivateKeyEnv,
  USERS_URL: Type.String({ default: 'http://127.0.0.1:3001', description: 'Base URL of the users service.' }),
  PRODUCTS_URL: Type.String({ default: 'http://127.0.0.1:3002', description: 'Base URL of the products service.' }),
  IDEMPOTENCY_TTL_HOURS: Type.Integer({
    minimum: 24,
    maximum: 720,
    default: 24,
    description: 'How long Idempotency-Key records are kept (at least 24 h).',
  }),
  IDEMPOTENCY_LEASE_MS: Type.Integer({
    minimum: 1000,
    maximum: 600000,
    default: 30000,
    description: 'How long an in-flight key is held before a crashed attempt may be taken over.',
  }),
  RECONCILE_INTERVAL_MS: Type.Integer({
    minimum: 100,
    maximum: 3600000,
    default: 15000,
    description:
      'How often the reconciler ends unresolved reservations (commits, releases) and finishes pending cancels.',
  }),
  RECONCILE_GRACE_MS: Type.Integer({
    minimum: 100,
    maximum: 3600000,
    default: 60000,
    description: 'Age an unresolved reservation must reach before the reconciler commits or releases it.',
  }),
});
export type Config = Static<typeof configSchema>;
export const readConfig = (env: NodeJS.ProcessEnv = process.env): Config => loadConfig(configSchema, env);
