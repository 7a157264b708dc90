// What the orders use cases need from storage: orders and Idempotency-Key records, behind two interfaces with a
// PostgreSQL and a DynamoDB implementation (STORE). The use cases and routes never know which one they talk to.
import type { KeysetPosition } from '@shipshape/platform/schemas';

import type { Order, OrderItem, OrderStatus } from '../schemas.ts';

export type { Order, OrderItem, OrderStatus };

export interface OrderStore {
  /**
   * Records the order and completes its Idempotency-Key with it (201 and the saved order), atomically: a replay
   * never finds the key completed without the order, nor the order without its answer.
   */
  record(o: Omit<Order, 'createdAt'>, idempotencyKey: string): Promise<Order>;
  get(id: string): Promise<Order | undefined>;
  /** By (createdAt, id) after the position, all or one user's; up to limit + 1. */
  list(userId: string | undefined, limit: number, after: KeysetPosition | undefined): Promise<Order[]>;
  /** confirmed → cancelling; false when the order was not confirmed. */
  markCancelling(id: string): Promise<boolean>;
  /** cancelling → cancelled; false when it was not cancelling. */
  markCancelled(id: string): Promise<boolean>;
  /** Orders whose cancel is not finished, oldest first, after the given position. */
  cancelling(limit: number, after: KeysetPosition | undefined): Promise<KeysetPosition[]>;
  /** Of the given order ids, which exist and what status they have. */
  statuses(ids: string[]): Promise<Map<string, OrderStatus>>;
}

export type Claim =
  | { kind: 'claimed' }
  | { kind: 'in-flight' }
  | { kind: 'mismatch' }
  | { kind: 'completed'; status: number; body: unknown };

export interface IdempotencyStore {
  /**
   * Claims `key` for a request whose body hashes to `hash`. A key is taken over only when it has expired, or when
   * an attempt with the same body crashed and its lease ran out.
   */
  claim(key: string, hash: string): Promise<Claim>;
  /** Stores a final answer (a 4xx about the request) for replay. */
  complete(key: string, status: number, body: unknown): Promise<void>;
  /** Frees an in-flight key so the client may retry it (the outcome was a transient failure). */
  release(key: string): Promise<void>;
  /** Deletes expired keys where the store does not do it by itself; the number deleted. */
  purgeExpired(): Promise<number>;
}
