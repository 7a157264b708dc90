// One set of Redis client options for every Redis the services use (cache, rate limits): fail fast instead of
// queueing while Redis is away, and reconnect in the background.
import type { RedisOptions } from 'ioredis';

export const redisClientOptions: RedisOptions = {
  enableOfflineQueue: false,
  maxRetriesPerRequest: 0,
  connectTimeout: 1000,
  commandTimeout: 300,
  retryStrategy: (times) => Math.min(100 * times, 2000),
};
