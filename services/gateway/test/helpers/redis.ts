// The real Redis the tests share, and the relay in front of it (test/support/redis-relay.ts).
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Fails with a message saying how to start Redis when it is not reachable. */
export async function requireRedis(): Promise<void> {
  const client = new Redis(REDIS_URL, {
    lazyConnect: true,
    connectTimeout: 1000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  let cause: Error | undefined;
  client.on('error', (err: Error) => (cause ??= err));
  try {
    await client.connect();
    await client.ping();
  } catch (err) {
    throw new Error(
      `Redis is not reachable at ${REDIS_URL} (${(cause ?? (err as Error)).message}). Start it with \`redis-server --daemonize yes\` ` +
        '(or run .ci/run, which starts PostgreSQL and Redis), or point REDIS_URL at one.',
    );
  } finally {
    client.disconnect();
  }
}

/** A key prefix no other test uses, so parallel runs never share counters. */
export const uniquePrefix = (name: string) => `test:gateway:${name}:${randomUUID()}:`;

export { startRedisRelay, type Relay } from '../../../../test/support/redis-relay.ts';
