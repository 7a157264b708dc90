// JSON logs via pino: request id on every line of a request, secrets redacted.
import type { FastifyServerOptions } from 'fastify';

export const REDACT = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-service-token"]',
  'headers.authorization',
  'headers["x-service-token"]',
  '*.password',
  '*.token',
  '*.secret',
  'config.SERVICE_PRIVATE_KEY',
  'config.DATABASE_URL',
  'config.REDIS_URL',
  'config.REDIS_PASSWORD',
  'config.POSTGRES_PASSWORD',
];

export function loggerOptions(service: string, level: string): FastifyServerOptions['logger'] {
  return {
    level,
    base: { service, pid: process.pid },
    timestamp: () => `,"time":"${new Date().toISOString()}"`,
    formatters: { level: (label: string) => ({ level: label }) },
    redact: { paths: REDACT, censor: '[redacted]' },
  };
}
