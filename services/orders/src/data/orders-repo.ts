// SQL for orders and their items. Nothing HTTP here.
import type { Database } from '@shipshape/platform/db';
import type { KeysetPosition } from '@shipshape/platform/schemas';
import { groupCalls } from '@shipshape/platform/group-calls';
import { isUnavailableError } from '@shipshape/platform/db-errors';

import type { Order, OrderStatus, OrderStore } from '../domain/stores.ts';

export type { Order, OrderItem, OrderStatus } from '../domain/stores.ts';

/** Most orders one record statement carries. */
const MAX_GROUP = 100;

interface OrderRow {
  id: string;
  user_id: string;
  status: OrderStatus;
  total_cents: string;
  currency: string;
  created_at: Date;
  items: { productId: string; quantity: number; unitPriceCents: number }[];
}

const SELECT = `SELECT o.id, o.user_id, o.status, o.total_cents, o.currency, o.created_at,
  COALESCE((SELECT json_agg(json_build_object('productId', i.product_id, 'quantity', i.quantity, 'unitPriceCents', i.unit_price_cents) ORDER BY i.position)
            FROM orders.order_items i WHERE i.order_id = o.id), '[]') AS items
  FROM orders.orders o`;

const toOrder = (r: OrderRow): Order => ({
  id: r.id,
  userId: r.user_id,
  status: r.status,
  items: r.items.map((i) => ({
    productId: i.productId,
    quantity: i.quantity,
    unitPriceCents: Number(i.unitPriceCents),
  })),
  totalCents: Number(r.total_cents),
  currency: r.currency,
  createdAt: r.created_at.toISOString(),
});

export class OrdersRepo implements OrderStore {
  private readonly db: Database;
  constructor(db: Database) {
    this.db = db;
  }

  /**
   * The order, its items and the idempotency key's answer in one statement, so one atomic commit and one round trip.
   * The answer's `createdAt` is the inserted row's, formatted in SQL as `toISOString` formats it (both truncate to
   * milliseconds), so a replay answers exactly what the first request did. Orders are recorded in groups
   * (`groupCalls`): one statement records every order of a group, all or none.
   */
  async record(o: Omit<Order, 'createdAt'>, idempotencyKey: string): Promise<Order> {
    const createdAt = await this.recordGroups({ order: o, key: idempotencyKey });
    return { ...o, createdAt: createdAt.toISOString() };
  }

  private readonly recordGroups = groupCalls<{ order: Omit<Order, 'createdAt'>; key: string }, Date>(
    (requests) => this.recordAll(requests),
    { maxGroup: MAX_GROUP, mayBeOneRequest: (err) => !isUnavailableError(err) },
  );

  /**
   * A group's orders and lines travel as two JSON parameters (`json_to_recordset`) rather than one array per column:
   * node-postgres writes an array parameter as an escaped literal, element by element, which made a tenth of what
   * orders allocated at its maximum rate; `JSON.stringify` writes the whole group in one native pass.
   */
  private async recordAll(requests: { order: Omit<Order, 'createdAt'>; key: string }[]): Promise<(Date | Error)[]> {
    const orders = requests.map((r) => r.order);
    const given = requests.map(({ order: o, key }) => ({
      id: o.id,
      user_id: o.userId,
      status: o.status,
      total_cents: o.totalCents,
      currency: o.currency,
      key,
      answer: o,
    }));
    const lines = orders.flatMap((o) =>
      o.items.map((item, position) => ({
        order_id: o.id,
        position,
        product_id: item.productId,
        quantity: item.quantity,
        unit_price_cents: item.unitPriceCents,
      })),
    );
    const res = await this.db.query<{ id: string; created_at: Date }>(
      'orders_place',
      `WITH given AS (
         SELECT * FROM json_to_recordset($1::json)
           AS g(id uuid, user_id uuid, status text, total_cents bigint, currency text, key text, answer jsonb)
       ), saved AS (
         INSERT INTO orders.orders (id, user_id, status, total_cents, currency)
         SELECT id, user_id, status, total_cents, currency FROM given
         RETURNING id, created_at
       ), lines AS (
         INSERT INTO orders.order_items (order_id, position, product_id, quantity, unit_price_cents)
         SELECT order_id, position, product_id, quantity, unit_price_cents FROM json_to_recordset($2::json)
           AS l(order_id uuid, position int, product_id uuid, quantity int, unit_price_cents bigint)
       ), answered AS (
         UPDATE orders.idempotency_keys k SET state = 'completed', response_status = 201,
           response_body = g.answer || jsonb_build_object('createdAt',
             to_char(s.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))
         FROM given g JOIN saved s ON s.id = g.id
         WHERE k.key = g.key
       )
       SELECT id, created_at FROM saved`,
      [JSON.stringify(given), JSON.stringify(lines)],
    );
    const created = new Map(res.rows.map((r) => [r.id, r.created_at]));
    return orders.map((o) => created.get(o.id) ?? new Error(`order ${o.id} was not recorded`));
  }

  async get(id: string): Promise<Order | undefined> {
    const res = await this.db.query<OrderRow>('orders_get', `${SELECT} WHERE o.id = $1`, [id]);
    return res.rows[0] ? toOrder(res.rows[0]) : undefined;
  }

  async list(userId: string | undefined, limit: number, after: KeysetPosition | undefined): Promise<Order[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (userId) {
      params.push(userId);
      where.push(`o.user_id = $${params.length}`);
    }
    if (after) {
      params.push(after.createdAt, after.id);
      where.push(`(o.created_at, o.id) > ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
    }
    params.push(limit + 1);
    const res = await this.db.query<OrderRow>(
      'orders_list',
      `${SELECT} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY o.created_at, o.id LIMIT $${params.length}`,
      params,
    );
    return res.rows.map(toOrder);
  }

  /** confirmed → cancelling; false when the order was not confirmed. */
  async markCancelling(id: string): Promise<boolean> {
    const res = await this.db.query(
      'orders_cancelling',
      `UPDATE orders.orders SET status = 'cancelling', updated_at = now() WHERE id = $1 AND status = 'confirmed'`,
      [id],
    );
    return (res.rowCount ?? 0) > 0;
  }

  /** cancelling → cancelled, once its stock is back; false when it was not cancelling. */
  async markCancelled(id: string): Promise<boolean> {
    const res = await this.db.query(
      'orders_cancel',
      `UPDATE orders.orders SET status = 'cancelled', cancelled_at = now(), updated_at = now()
       WHERE id = $1 AND status = 'cancelling'`,
      [id],
    );
    return (res.rowCount ?? 0) > 0;
  }

  /** Orders whose cancel is not finished, oldest first, after the given position (partial index). */
  async cancelling(limit: number, after: KeysetPosition | undefined): Promise<KeysetPosition[]> {
    const res = await this.db.query<{ id: string; created_at: Date }>(
      'orders_cancelling_list',
      `SELECT id, created_at FROM orders.orders WHERE status = 'cancelling'
         AND ($2::timestamptz IS NULL OR (created_at, id) > ($2::timestamptz, $3::uuid))
       ORDER BY created_at, id LIMIT $1`,
      [limit, after?.createdAt ?? null, after?.id ?? null],
    );
    return res.rows.map((r) => ({ id: r.id, createdAt: r.created_at.toISOString() }));
  }

  /** Of the given order ids, which exist and what status they have. */
  async statuses(ids: string[]): Promise<Map<string, Order['status']>> {
    if (ids.length === 0) return new Map();
    const res = await this.db.query<{ id: string; status: Order['status'] }>(
      'orders_statuses',
      'SELECT id, status FROM orders.orders WHERE id = ANY($1::uuid[])',
      [ids],
    );
    return new Map(res.rows.map((r) => [r.id, r.status]));
  }
}
