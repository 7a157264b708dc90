import { Type, type Static } from '@sinclair/typebox';
import { commonEnv, ConfigError, databaseEnv, redisEnv, loadConfig } from '@shipshape/platform/config';
import { dynamodbEnv, storeEnv } from '@shipshape/platform/config';
import { authEnv, trustedCallersEnv } from '@shipshape/platform/auth';

export const configSchema = Type.Object({
  ...commonEnv('products', 3002),
  ...databaseEnv,
  ...redisEnv,
  ...storeEnv,
  ...dynamodbEnv('shipshape-catalog'),
  ...authEnv,
  ...trustedCallersEnv,
  FAULT_ERROR_RATIO: Type.Number({
    minimum: 0,
    maximum: 1,
    default: 0,
    description: 'Rehearsals only: share of user requests failed on purpose (500). Refused if NODE_ENV=production.',
  }),
  FAULT_DELAY_MS: Type.Integer({
    minimum: 0,
    maximum: 10_000,
    default: 0,
    description: 'Rehearsals only: delay added to every user request. Refused if NODE_ENV=production.',
  }),
});
export type Config = Static<typeof configSchema>;

export const readConfig = (env: NodeJS.ProcessEnv = process.env): Config => {
  const config = loadConfig(configSchema, env);
  // The images set NODE_ENV=production: a fault meant for a rehearsal can never reach a real deployment.
  if (env.NODE_ENV === 'production' && (config.FAULT_ERROR_RATIO > 0 || config.FAULT_DELAY_MS > 0))
    throw new ConfigError(
      'FAULT_ERROR_RATIO and FAULT_DELAY_MS are for rehearsals and refused when NODE_ENV=production',
    );
  return config;
};
