// Per-client rate limits. With Redis configured the counters live there, so every replica enforces one shared limit;
// without it each replica counts in memory. If Redis is unreachable the gateway fails open: it lets requests through
// unchecked, counts them, and reports itself degraded (not unready): a limiter outage must not become an API outage.
import rateLimit, { type FastifyRateLimitStore, type FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { Redis, type Result } from 'ioredis';
import { Problem } from '@shipshape/platform/errors';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    /** Counts one hit in a fixed window: [hits so far, ms until the window resets]. */
    gatewayRateLimitHit(key: string, windowMs: number): Result<[number, number], Context>;
  }
}

// INCR then set the window on the first hit; a key that somehow lost its expiry gets it back instead of living forever.
const HIT = `
local hits = redis.call('INCR', KEYS[1])
if hits == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {hits, ttl}
`;

export interface RateLimitSettings {
  max: number;
  windowMs: number;
  /** undefined: count in memory, per replica. */
  redisUrl: string | undefined;
  redisPrefix: string;
}

/** A store for @fastify/rate-limit on Redis that reports (rather than hides) every failed lookup. */
function redisStore(redis: Redis, prefix: string, onFailure: (err: Error) => void): FastifyRateLimitStoreCtor {
  return class RedisCounterStore implements FastifyRateLimitStore {
    incr(
      key: string,
      callback: (error: Error | null, result?: { current: number; ttl: number }) => void,
      timeWindow: number,
    ): void {
      redis.gatewayRateLimitHit(prefix + key, timeWindow).then(
        ([current, ttl]) => callback(null, { current, ttl }),
        (err: Error) => {
          onFailure(err);
          callback(err);
        },
      );
    }
    child(): FastifyRateLimitStore {
      return this;
    }
  };
}

export default fp<RateLimitSettings>(
  async function gatewayRateLimit(app: FastifyInstance, s: RateLimitSettings) {
    const limited = app.metrics.counter(
      'gateway_rate_limited_total',
      'Requests refused with 429 because the client exceeded its rate limit.',
    );
    const failedOpen = app.metrics.counter(
      'gateway_rate_limit_fail_open_total',
      'Requests let through without a rate-limit check because the shared store (Redis) was unreachable.',
    );
    let store: FastifyRateLimitStoreCtor | undefined;
    if (s.redisUrl) {
      const redis = new Redis(s.redisUrl, {
        enableOfflineQueue: false,
        maxRetriesPerRequest: 0,
        connectTimeout: 1000,
        commandTimeout: 300,
        retryStrategy: (times) => Math.min(100 * times, 2000),
      });
      redis.defineCommand('gatewayRateLimitHit', { numberOfKeys: 1, lua: HIT });
      let healthy = true;
      redis.on('ready', () => {
        if (!healthy) app.log.info('rate-limit store reachable again; limits are shared once more');
        healthy = true;
      });
      const lost = (err?: Error) => {
        if (healthy)
          app.log.warn(
            { err: err ? { message: err.message } : undefined },
            'rate-limit store unreachable; letting requests through unchecked',
          );
        healthy = false;
      };
      redis.on('error', lost);
      redis.on('close', () => lost());
      store = redisStore(redis, s.redisPrefix, (err) => {
        failedOpen.inc();
        lost(err);
      });
      app.health.add({
        name: 'rate-limit-store',
        required: false,
        run: async () =>
          redis.status === 'ready'
            ? { ok: true, detail: 'redis' }
            : { ok: false, detail: 'redis unreachable; rate limits not enforced' },
      });
      app.addHook('onClose', async () => {
        redis.disconnect();
      });
      // Give the first connection a moment, so a fresh replica starts out sharing limits rather than failing open.
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 1000);
        redis.once('ready', () => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    await app.register(rateLimit, {
      global: true,
      hook: 'onRequest',
      max: s.max,
      timeWindow: s.windowMs,
      ...(store ? { store, skipOnError: true } : {}),
      onExceeded: () => limited.inc(),
      errorResponseBuilder: (_request: FastifyRequest, context) =>
        new Problem(
          429,
          'too-many-requests',
          'Too Many Requests',
          `rate limit of ${context.max} requests per ${s.windowMs / 1000} s exceeded; retry in ${context.after}`,
        ),
    });
  },
  { name: 'gateway-rate-limit', fastify: '5.x', dependencies: ['shipshape-metrics', 'shipshape-health'] },
);
