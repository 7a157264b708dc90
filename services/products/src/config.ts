import { Type, type Static } from '@sinclair/typebox';
import { commonEnv, databaseEnv, redisEnv, secret, loadConfig } from '@shipshape/platform/config';

export const configSchema = Type.Object({
  ...commonEnv('products', 3002),
  ...databaseEnv,
  ...redisEnv,
  JWT_SECRET: secret(
    Type.String({
      minLength: 16,
      description: 'HS256 key that verifies admin tokens for catalog writes (at least 16 characters).',
    }),
  ),
});
export type Config = Static<typeof configSchema>;
export const readConfig = (env: NodeJS.ProcessEnv = process.env): Config => loadConfig(configSchema, env);
