// Idempotency-Key records. A key is claimed atomically; the first response is stored for replay.
import type { Database } from '@shipshape/platform/db';
import { groupCalls } from '@shipshape/platform/group-calls';
import { isUnavailableError } from '@shipshape/platform/db-errors';
import type { Claim, IdempotencyStore } from '../domain/stores.ts';

export type { Claim } from '../domain/stores.ts';

/** Most keys one claim statement carries. */
const MAX_GROUP = 100;

export class IdempotencyRepo implements IdempotencyStore {
  private readonly db: Database;
  private readonly ttlHours: number;
  private readonly leaseMs: number;

  constructor(db: Database, ttlHours: number, leaseMs: number) {
    this.db = db;
    this.ttlHours = ttlHours;
    this.leaseMs = leaseMs;
  }

  /**
   * Claims `key` for a request whose body hashes to `hash`. A key is taken over only when it has expired, or when
   * an attempt with the same body crashed and its lease ran out. Claims are grouped (`groupCalls`): one statement
   * claims every key of a group; a key it could not claim is then read on its own.
   */
  async claim(key: string, hash: string): Promise<Claim> {
    if (await this.claimGroups({ key, hash })) return { kind: 'claimed' };
    const existing = await this.db.query<{
      request_hash: string;
      state: string;
      response_status: number | null;
      response_body: unknown;
    }>(
      'idempotency_get',
      'SELECT request_hash, state, response_status, response_body FROM orders.idempotency_keys WHERE key = $1',
      [key],
    );
    const row = existing.rows[0];
    if (!row) return this.claim(key, hash); // expired and purged in between
    if (row.request_hash !== hash) return { kind: 'mismatch' };
    if (row.state === 'in_flight') return { kind: 'in-flight' };
    return { kind: 'completed', status: row.response_status ?? 200, body: row.response_body };
  }

  private readonly claimGroups = groupCalls<{ key: string; hash: string }, boolean>(
    (requests) => this.claimAll(requests),
    { maxGroup: MAX_GROUP, mayBeOneRequest: (err) => !isUnavailableError(err) },
  );

  /** Whether each request claimed its key. A key named twice in a group is sent once: its twin then reads it. */
  private async claimAll(requests: { key: string; hash: string }[]): Promise<boolean[]> {
    const first = new Map<string, number>();
    requests.forEach((r, i) => {
      if (!first.has(r.key)) first.set(r.key, i);
    });
    const sent = [...first.values()].map((i) => requests[i] as { key: string; hash: string });
    const res = await this.db.query<{ key: string }>(
      'idempotency_claim',
      `INSERT INTO orders.idempotency_keys (key, request_hash, state, locked_until, expires_at)
       SELECT c.key, c.hash, 'in_flight', now() + make_interval(secs => $2::double precision / 1000), now() + make_interval(hours => $3)
       FROM json_to_recordset($1::json) AS c(key text, hash text)
       ON CONFLICT (key) DO UPDATE SET request_hash = EXCLUDED.request_hash, state = 'in_flight', response_status = NULL, response_body = NULL,
         locked_until = EXCLUDED.locked_until, created_at = now(), expires_at = EXCLUDED.expires_at
       WHERE orders.idempotency_keys.expires_at < now()
          OR (orders.idempotency_keys.state = 'in_flight' AND orders.idempotency_keys.locked_until < now()
              AND orders.idempotency_keys.request_hash = EXCLUDED.request_hash)
       RETURNING key`,
      [JSON.stringify(sent), this.leaseMs, this.ttlHours],
    );
    const claimed = new Set(res.rows.map((r) => r.key));
    return requests.map((r, i) => first.get(r.key) === i && claimed.has(r.key));
  }

  /** Stores the response to replay (an order's own answer is stored with the order: OrdersRepo.record). */
  async complete(key: string, status: number, body: unknown): Promise<void> {
    await this.db.query(
      'idempotency_complete',
      `UPDATE orders.idempotency_keys SET state = 'completed', response_status = $2, response_body = $3 WHERE key = $1`,
      [key, status, JSON.stringify(body)],
    );
  }

  /** Frees the key so the client may retry it (used when the outcome was a transient failure). */
  async release(key: string): Promise<void> {
    await this.db.query(
      'idempotency_release',
      `DELETE FROM orders.idempotency_keys WHERE key = $1 AND state = 'in_flight'`,
      [key],
    );
  }

  async purgeExpired(): Promise<number> {
    const res = await this.db.query(
      'idempotency_purge',
      'DELETE FROM orders.idempotency_keys WHERE expires_at < now()',
    );
    return res.rowCount ?? 0;
  }
}
