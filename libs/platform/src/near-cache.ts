// A small in-process layer in front of Redis (Redis's "server-assisted client-side caching"): Redis tracks every key
// under the cache's prefix (CLIENT TRACKING … BCAST PREFIX) and tells each replica, over a subscribed connection,
// which keys any client changed, deleted or let expire. A replica serves an entry from memory only while that
// subscription is known to be live; when either connection drops it forgets everything and reads Redis again.
//
// Staleness bound: another replica's write is seen once Redis has delivered its invalidation message (the same event
// loop turn in which Redis answers the write); the writing replica drops its own entries at once. CACHE_LOCAL_TTL_SECONDS
// caps an entry's life in memory whatever happens.
import { Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';
import type { FastifyBaseLogger } from 'fastify';
import { redisClientOptions } from './redis.ts';

const CHANNEL = '__redis__:invalidate';

export interface NearCacheOptions {
  /** Every key this layer may hold starts with it; Redis tracks exactly this prefix. */
  prefix: string;
  ttlSeconds: number;
  maxBytes: number;
}

/** Marks when a read began: a value read before an invalidation that arrived meanwhile is not kept. */
export type ReadTicket = number;

export class NearCache {
  private readonly entries: LRUCache<string, string>;
  private readonly prefix: string;
  /** Receives the invalidation messages (RESP2: Redis delivers them as Pub/Sub messages to a redirect client). */
  private readonly subscriber: Redis;
  /** The connection Redis tracks on behalf of this replica; it redirects the messages to the subscriber. */
  private readonly tracker: Redis;
  private readonly log: FastifyBaseLogger;
  private subscriberId: number | undefined;
  private active = false;
  private closed = false;
  /** Bumped by every invalidation; see ReadTicket. */
  private epoch = 0;
  /**
   * The tracking switch in progress. Both connections' `ready` ask for it, and two switches interleaved on the tracker
   * (OFF, OFF, ON, ON) would have Redis refuse the second ON ("prefix overlaps") and leave a moment with tracking off
   * while this layer serves from memory: each switch waits for the one before it.
   */
  private switching: Promise<void> = Promise.resolve();

  constructor(url: string, options: NearCacheOptions, log: FastifyBaseLogger) {
    this.prefix = options.prefix;
    this.log = log;
    this.entries = new LRUCache<string, string>({
      maxSize: options.maxBytes,
      sizeCalculation: (value, key) => value.length + key.length,
      ttl: options.ttlSeconds * 1000,
    });
    this.subscriber = new Redis(url, { ...redisClientOptions, protocol: 2, autoResubscribe: false });
    this.tracker = new Redis(url, redisClientOptions);
    this.subscriber.on('messageBuffer', (channel: Buffer, keys: Buffer[] | null) => {
      if (channel.toString() !== CHANNEL) return;
      this.epoch++;
      // null: Redis flushed its whole database.
      if (!Array.isArray(keys)) this.entries.clear();
      else for (const key of keys) this.entries.delete(key.toString());
    });
    this.subscriber.on('ready', () => void this.subscribe());
    this.tracker.on('ready', () => void this.track());
    for (const connection of [this.subscriber, this.tracker]) {
      connection.on('error', () => this.deactivate());
      connection.on('close', () => this.deactivate());
    }
  }

  /** True while Redis is known to tell this replica about every change under the prefix. */
  isActive(): boolean {
    return this.active;
  }

  get(key: string): string | undefined {
    return this.active ? this.entries.get(key) : undefined;
  }

  ticket(): ReadTicket {
    return this.epoch;
  }

  /** Keeps a value read from Redis or the database, unless an invalidation arrived since `ticket`. */
  set(key: string, value: string, ticket: ReadTicket): void {
    if (this.active && ticket === this.epoch) this.entries.set(key, value);
  }

  /** This replica's own writes: dropped at once, before Redis's message comes back. */
  forget(keys: string[]): void {
    this.epoch++;
    for (const key of keys) this.entries.delete(key);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.deactivate();
    this.subscriber.disconnect();
    this.tracker.disconnect();
  }

  private deactivate(): void {
    if (this.active) this.log.info('local cache off until Redis tracks it again');
    this.active = false;
    this.epoch++;
    this.entries.clear();
  }

  /** A (re)connected subscriber has a new client id: subscribe, then point the tracking at it. */
  private async subscribe(): Promise<void> {
    this.deactivate();
    try {
      this.subscriberId = Number(await this.subscriber.client('ID'));
      await this.subscriber.subscribe(CHANNEL);
      await this.track();
    } catch (err) {
      this.subscriberId = undefined;
      this.log.warn({ err: { message: (err as Error).message } }, 'local cache stays off: no invalidation channel');
    }
  }

  private track(): Promise<void> {
    this.switching = this.switching.then(() => this.switchTracking());
    return this.switching;
  }

  private async switchTracking(): Promise<void> {
    const id = this.subscriberId;
    if (id === undefined || this.closed || this.tracker.status !== 'ready') return;
    this.deactivate();
    try {
      // OFF first: a tracker still redirecting to an earlier subscriber cannot switch to a new one while on.
      await this.tracker.client('TRACKING', 'OFF');
      await this.tracker.client('TRACKING', 'ON', 'REDIRECT', id, 'BCAST', 'PREFIX', this.prefix);
      if (id !== this.subscriberId || this.subscriber.status !== 'ready') return;
      this.entries.clear();
      this.active = true;
      this.log.info('local cache on: Redis tracks its keys');
    } catch (err) {
      // Redis before 6, or a managed Redis without CLIENT TRACKING: every read goes to Redis, as without this layer.
      this.log.warn({ err: { message: (err as Error).message } }, 'local cache stays off: Redis does not track keys');
    }
  }
}
