// Per-client rate limits. With Redis configured the counters live there, so every replica enforces one shared limit;
// without it each replica counts in memory. If Redis is unreachable the gateway fails open: it lets requests through
// unchecked, counts them, and reports itself degraded (not unready): a limiter outage must not become an API outage.
//
// A Redis round trip per request would cost more than the proxying itself, so a replica counts a client's hits
// locally while the client is well under its limit and adds them to the shared counter in one pipelined batch every
// SYNC_MS. Once the last known shared count plus the local hits reaches half the limit, every hit goes to Redis at
// once (carrying any local ones with it), so the decisions near the limit are made on the shared count. Error bound:
// a replica decides on a shared count that lacks at most the hits other replicas made in their last SYNC_MS (or
// during their first call to Redis for that client) while they still saw the client under half its limit, so a
// client gets at most max + (replicas - 1) × min(max / 2, its rate per replica × SYNC_MS) requests in a window.
import rateLimit, { type FastifyRateLimitStore } from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { Redis, type Result } from 'ioredis';
import { Problem } from '@shipshape/platform/errors';
import { redisClientOptions } from '@shipshape/platform/redis';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    /** Counts `hits` in a fixed window: [hits so far, ms until the window resets]. */
    gatewayRateLimitHit(key: string, windowMs: number, hits: number): Result<[number, number], Context>;
  }
}

// INCRBY then set the window on the first hits; a key that somehow lost its expiry gets it back instead of living
// forever.
const HIT = `
local hits = redis.call('INCRBY', KEYS[1], ARGV[2])
if hits == tonumber(ARGV[2]) then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
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

/** How often local hits are added to the shared counters. */
export const SYNC_MS = 50;
/** Below this share of the limit, hits are counted locally and synchronised in batches. */
const LOCAL_SHARE = 0.5;
/** Clients tracked locally at most; past it, every hit goes to Redis (no client can grow this map without bound). */
const MAX_TRACKED = 50_000;

type Answer = (error: Error | null, result?: { current: number; ttl: number }) => void;

interface Counter {
  /** Shared count as of the last answer from Redis, plus the local hits since. */
  shared: number;
  pending: number;
  /** When the window ends (ms since the epoch), from the key's PTTL. */
  resetAt: number;
  windowMs: number;
}

/** A store for @fastify/rate-limit on Redis that reports (rather than hides) every failed lookup. */
function redisStore(redis: Redis, prefix: string, onFailure: (err: Error) => void) {
  const counters = new Map<string, Counter>();
  let timer: NodeJS.Timeout | undefined;

  const remember = (key: string, windowMs: number, [current, ttl]: [number, number]) => {
    const now = Date.now();
    const counter = counters.get(key);
    if (counter) {
      counter.shared = current;
      counter.resetAt = now + ttl;
    } else if (counters.size < MAX_TRACKED)
      counters.set(key, { shared: current, pending: 0, resetAt: now + ttl, windowMs });
  };

  /** Adds every client's local hits to Redis in one pipeline; hits that could not be added are counted again. */
  const flush = async (): Promise<void> => {
    timer = undefined;
    const now = Date.now();
    const batch: [string, Counter, number][] = [];
    for (const [key, counter] of counters) {
      if (counter.resetAt <= now) counters.delete(key);
      else if (counter.pending > 0) {
        batch.push([key, counter, counter.pending]);
        counter.pending = 0;
      }
    }
    if (batch.length === 0) return;
    const pipeline = redis.pipeline();
    for (const [key, counter, hits] of batch) pipeline.gatewayRateLimitHit(prefix + key, counter.windowMs, hits);
    await pipeline.exec().then(
      (results) => {
        for (const [i, [key, counter, hits]] of batch.entries()) {
          const [err, value] = results?.[i] ?? [new Error('no reply')];
          if (err) counter.pending += hits;
          else remember(key, counter.windowMs, value as [number, number]);
        }
      },
      (err: Error) => {
        for (const [, counter, hits] of batch) counter.pending += hits;
        onFailure(err);
      },
    );
  };

  return class RedisCounterStore implements FastifyRateLimitStore {
    incr(key: string, callback: Answer, timeWindow: number, max?: number): void {
      const counter = counters.get(key);
      const now = Date.now();
      if (
        counter &&
        redis.status === 'ready' &&
        counter.resetAt > now &&
        counter.shared + counter.pending + 1 < (max ?? 0) * LOCAL_SHARE
      ) {
        counter.pending += 1;
        timer ??= setTimeout(() => void flush(), SYNC_MS).unref();
        callback(null, { current: counter.shared + counter.pending, ttl: counter.resetAt - now });
        return;
      }
      // Near the limit (or first seen): ask Redis now, adding this hit and any local ones in one call. A client seen
      // for the first time is tracked from now on, so the hits that arrive while this call is out count locally.
      const carried = counter && counter.resetAt > now ? counter.pending : 0;
      if (counter) counter.pending = 0;
      else if (counters.size < MAX_TRACKED)
        counters.set(key, { shared: 1, pending: 0, resetAt: now + timeWindow, windowMs: timeWindow });
      redis.gatewayRateLimitHit(prefix + key, timeWindow, carried + 1).then(
        (reply) => {
          remember(key, timeWindow, reply);
          callback(null, { current: reply[0], ttl: reply[1] });
        },
        (err: Error) => {
          if (counter) counter.pending += carried;
          onFailure(err);
          callback(err);
        },
      );
    }
    child(): FastifyRateLimitStore {
      return this;
    }
    /** Adds the last local hits to Redis before the replica goes away. */
    static close(): Promise<void> {
      if (timer) clearTimeout(timer);
      return flush();
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
    let store: ReturnType<typeof redisStore> | undefined;
    if (s.redisUrl) {
      const redis = new Redis(s.redisUrl, redisClientOptions);
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
        if (redis.status === 'ready') await store?.close();
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
