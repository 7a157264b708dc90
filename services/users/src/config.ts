import { Type, type Static } from '@sinclair/typebox';
import { commonEnv, databaseEnv, redisEnv, loadConfig } from '@shipshape/platform/config';
import { authEnv, trustedCallersEnv } from '@shipshape/platform/auth';

export const configSchema = Type.Object({
  ...commonEnv('users', 3001),
  ...databaseEnv,
  ...redisEnv,
  ...authEnv,
  ...trustedCallersEnv,
});
export type Config = Static<typeof configSchema>;
export const readConfig = (env: NodeJS.ProcessEnv = process.env): Config => loadConfig(configSchema, env);
