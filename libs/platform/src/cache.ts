// A read-through cache that is always optional: Redis when configured, an in-process LRU otherwise.
// When Redis is down, reads go to the database, writes still succeed, and the client reconnects by itself.
import { Redis, type Result } from 'ioredis';
import { LRUCache } from 'lru-cache';
import type { FastifyBaseLogger } from 'fastify';
import type { Metrics } from './metrics.ts';
import type { NearCache } from './near-cache.ts';
import { redisClientOptions } from './redis.ts';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    /** Deletes the first `unlinked` of `keys` and increments the rest, atomically: the number of keys it was given. */
    cacheInvalidate(numberOfKeys: number, ...keysThenUnlinked: (string | number)[]): Result<number, Context>;
  }
}

/**
 * The invalidation as one script rather than a MULTI transaction: as atomic, one command and one reply instead of
 * four, and much less for the heap to keep. An ioredis MULTI builds a pipeline object and a command per step, which
 * outlive the round trip often enough that, in isolation, MULTI promoted about four times as much to the old
 * generation per young-generation collection as the script; products, invalidating after every reservation group,
 * made half the full collections under the order load with the script (docs/benchmark-history.md, "what a
 * reservation group leaves in products' heap"). UNLINK goes in slices, so a group of any size stays within Lua's
 * limit on unpacked values. Redis's client tracking sees the keys a script writes as it sees any other write, so
 * every replica's in-process layer hears of them (near-cache.ts).
 */
const INVALIDATE = `
local unlinked = tonumber(ARGV[1])
for i = 1, unlinked, 500 do redis.call('UNLINK', unpack(KEYS, i, math.min(i + 499, unlinked))) end
for i = unlinked + 1, #KEYS do redis.call('INCR', KEYS[i]) end
return #KEYS
`;

export interface CacheBackend {
  readonly kind: 'redis' | 'memory';
  isUp(): boolean;
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string, ttlSeconds: number): Promise<void>;
  /** Deletes `keys` and moves each of `generations` on by one, in one round trip. */
  invalidate(keys: string[], generations: string[]): Promise<void>;
  close(): Promise<void>;
}

export class MemoryBackend implements CacheBackend {
  readonly kind = 'memory' as const;
  private readonly lru = new LRUCache<string, string>({ max: 10_000 });
  isUp() {
    return true;
  }
  async get(key: string) {
    return this.lru.get(key);
  }
  async set(key: string, value: string, ttlSeconds: number) {
    this.lru.set(key, value, { ttl: ttlSeconds * 1000 });
  }
  async invalidate(keys: string[], generations: string[]) {
    for (const k of keys) this.lru.delete(k);
    for (const g of generations) this.lru.set(g, String(Number(this.lru.get(g) ?? '0') + 1));
  }
  async close() {
    this.lru.clear();
  }
}

export class RedisBackend implements CacheBackend {
  readonly kind = 'redis' as const;
  readonly client: Redis;
  private up = false;
  /** Set when an invalidation could not reach Redis: stale entries are purged once it is back. */
  private missedInvalidation = false;

  private readonly prefix: string;

  constructor(url: string, prefix: string, metrics: Metrics, log: FastifyBaseLogger) {
    this.prefix = prefix;
    this.client = new Redis(url, redisClientOptions);
    this.client.defineCommand('cacheInvalidate', { lua: INVALIDATE });
    metrics.cacheUp.set(0);
    this.client.on('ready', () => {
      if (!this.up) log.info('cache connected');
      this.up = true;
      metrics.cacheUp.set(1);
      if (this.missedInvalidation) void this.purge(log);
    });
    const down = (err?: Error) => {
      if (this.up)
        log.warn({ err: err ? { message: err.message } : undefined }, 'cache unavailable; serving from the database');
      this.up = false;
      metrics.cacheUp.set(0);
    };
    this.client.on('error', (err) => down(err));
    this.client.on('close', () => down());
  }

  private async purge(log: FastifyBaseLogger) {
    try {
      let cursor = '0';
      do {
        const [next, keys] = await this.client.scan(cursor, 'MATCH', `${this.prefix}*`, 'COUNT', 500);
        if (keys.length) await this.client.unlink(...keys);
        cursor = next;
      } while (cursor !== '0');
      this.missedInvalidation = false;
      log.info('cache purged after missed invalidations');
    } catch {
      // Retried on the next reconnect.
    }
  }

  isUp() {
    return this.up;
  }
  async get(key: string) {
    return (await this.client.get(key)) ?? undefined;
  }
  async set(key: string, value: string, ttlSeconds: number) {
    await this.client.set(key, value, 'EX', ttlSeconds);
  }
  async invalidate(keys: string[], generations: string[]) {
    if (keys.length + generations.length === 0) return;
    try {
      // One script: atomic, in one command and one round trip.
      await this.client.cacheInvalidate(keys.length + generations.length, ...keys, ...generations, keys.length);
    } catch (err) {
      this.missedInvalidation = true;
      throw err;
    }
  }
  async close() {
    this.client.disconnect();
  }
}

/** A cached read as JSON text: a hit is sent as stored, never parsed and serialised again. */
export interface CachedRead {
  json: string;
  hit: boolean;
}

export class Cache {
  private readonly inflight = new Map<string, Promise<string | undefined>>();
  readonly backend: CacheBackend;
  private readonly name: string;
  private readonly prefix: string;
  private readonly ttlSeconds: number;
  private readonly metrics: Metrics;
  private readonly log: FastifyBaseLogger;
  /** The in-process layer in front of Redis, when Redis tracks its keys (near-cache.ts). */
  private readonly near: NearCache | undefined;

  /** `prefix` namespaces the keys; `name` labels the metrics. */
  constructor(
    backend: CacheBackend,
    prefix: string,
    name: string,
    ttlSeconds: number,
    metrics: Metrics,
    log: FastifyBaseLogger,
    near?: NearCache,
  ) {
    this.near = near;
    this.backend = backend;
    this.prefix = prefix;
    this.name = name;
    this.ttlSeconds = ttlSeconds;
    this.metrics = metrics;
    this.log = log;
    for (const result of ['hit', 'miss', 'error']) metrics.cacheRequests.inc({ cache: name, result }, 0);
  }

  private key(k: string) {
    return `${this.prefix}:${k}`;
  }

  /**
   * A hit of the in-process layer, at once and with no promise; undefined sends the caller to `read` (not held in
   * memory, no in-process layer, or a load of the key already on its way, which `read` joins).
   */
  peek(key: string): CachedRead | undefined {
    const full = this.key(key);
    if (this.inflight.has(full)) return undefined;
    const local = this.near?.get(full);
    if (local === undefined) return undefined;
    this.metrics.cacheRequests.inc({ cache: this.name, result: 'hit' });
    return { json: local, hit: true };
  }

  /** Read-through: a hit returns the cached JSON; concurrent misses for one key share one load. */
  async read<T>(key: string, load: () => Promise<T | undefined>): Promise<CachedRead | undefined> {
    const local = this.peek(key);
    if (local) return local;
    const full = this.key(key);
    const joining = this.inflight.get(full);
    if (joining) {
      this.metrics.cacheRequests.inc({ cache: this.name, result: 'miss' });
      const json = await joining;
      return json === undefined ? undefined : { json, hit: false };
    }
    const ticket = this.near?.ticket() ?? 0;
    if (this.backend.isUp()) {
      try {
        const json = await this.backend.get(full);
        if (json !== undefined) {
          this.metrics.cacheRequests.inc({ cache: this.name, result: 'hit' });
          this.near?.set(full, json, ticket);
          return { json, hit: true };
        }
        this.metrics.cacheRequests.inc({ cache: this.name, result: 'miss' });
      } catch (err) {
        this.metrics.cacheRequests.inc({ cache: this.name, result: 'error' });
        this.log.debug({ err: { message: (err as Error).message } }, 'cache read failed');
      }
    } else {
      this.metrics.cacheRequests.inc({ cache: this.name, result: 'error' });
    }
    let pending = this.inflight.get(full);
    if (!pending) {
      pending = (async () => {
        const value = await load();
        if (value === undefined) return undefined;
        const json = JSON.stringify(value);
        // Stay in flight until the value is stored, so a late miss finds it in the cache rather than reloading.
        if (this.backend.isUp()) await this.backend.set(full, json, this.ttlSeconds).catch(() => {});
        this.near?.set(full, json, ticket);
        return json;
      })().finally(() => this.inflight.delete(full));
      this.inflight.set(full, pending);
    }
    const json = await pending;
    return json === undefined ? undefined : { json, hit: false };
  }

  /** A generation number to put in keys of collections, bumped to invalidate all of them at once. */
  async generation(collection: string): Promise<string> {
    if (!this.backend.isUp()) return 'x';
    const key = this.key(`${collection}:gen`);
    const local = this.near?.get(key);
    if (local !== undefined) return local;
    const ticket = this.near?.ticket() ?? 0;
    try {
      const gen = (await this.backend.get(key)) ?? '0';
      this.near?.set(key, gen, ticket);
      return gen;
    } catch {
      return 'x';
    }
  }

  async invalidate(keys: string[], collections: string[] = []): Promise<void> {
    const full = [...keys.map((k) => this.key(k)), ...collections.map((c) => this.key(`${c}:gen`))];
    // Dropped here before and after Redis: a read that starts in between may keep the old value until Redis's own
    // invalidation message arrives, so the second pass closes that gap for this replica.
    this.near?.forget(full);
    try {
      await this.backend.invalidate(
        keys.map((k) => this.key(k)),
        collections.map((c) => this.key(`${c}:gen`)),
      );
      this.near?.forget(full);
    } catch (err) {
      this.log.warn(
        { err: { message: (err as Error).message } },
        'cache invalidation deferred until the cache is back',
      );
    }
  }
}

export function createCacheBackend(
  url: string | undefined,
  prefix: string,
  metrics: Metrics,
  log: FastifyBaseLogger,
): CacheBackend {
  if (!url) {
    metrics.cacheUp.set(1);
    return new MemoryBackend();
  }
  return new RedisBackend(url, prefix, metrics, log);
}
