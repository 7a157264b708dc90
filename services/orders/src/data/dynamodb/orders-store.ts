// Orders and Idempotency-Key records in DynamoDB (STORE=dynamodb), one table (docs/decisions/0003-dynamodb-table-
// design.md). Claims and status changes are conditional writes; recording an order and completing its key is one
// TransactWriteItems. Nothing HTTP and no business rules here.
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { isConditionFailure, keysetPosition, type DynamoStore } from '@shipshape/platform/dynamodb';
import type { KeysetPosition } from '@shipshape/platform/schemas';
import type { Claim, IdempotencyStore, Order, OrderStatus, OrderStore } from '../../domain/stores.ts';

const orderKey = (id: string) => ({ pk: `ORDER#${id}`, sk: 'ORDER' });
const keyKey = (key: string) => ({ pk: `IDEMPOTENCY#${key}`, sk: 'IDEMPOTENCY' });
/** Sort key of the indexes: fixed-width ISO time, then the id, so strings sort like (createdAt, id). */

interface KeyItem {
  requestHash?: string;
  state: 'in_flight' | 'completed';
  responseStatus?: number;
  responseBody?: unknown;
}

const toOrder = (i: Order): Order => ({
  id: i.id,
  userId: i.userId,
  status: i.status,
  items: i.items.map((item) => ({
    productId: item.productId,
    quantity: item.quantity,
    unitPriceCents: item.unitPriceCents,
  })),
  totalCents: i.totalCents,
  currency: i.currency,
  createdAt: i.createdAt,
});

export class DynamoOrdersStore implements OrderStore, IdempotencyStore {
  private readonly store: DynamoStore;
  private readonly table: string;
  private readonly ttlHours: number;
  private readonly leaseMs: number;

  constructor(store: DynamoStore, ttlHours: number, leaseMs: number) {
    this.store = store;
    this.table = store.table;
    this.ttlHours = ttlHours;
    this.leaseMs = leaseMs;
  }

  /** Epoch seconds when a key claimed now expires: DynamoDB's TTL deletes it some time after. */
  private expiresAt(now: number): number {
    return Math.ceil(now / 1000) + this.ttlHours * 3600;
  }

  // ---- orders ------------------------------------------------------------------------------------------------------

  async record(o: Omit<Order, 'createdAt'>, idempotencyKey: string): Promise<Order> {
    const now = Date.now();
    const saved: Order = { ...o, createdAt: new Date(now).toISOString() };
    const at = keysetPosition(saved.createdAt, o.id);
    await this.store.transact('orders_place', [
      {
        Put: {
          Item: {
            ...orderKey(o.id),
            ...saved,
            gsi1pk: 'ORDERS',
            gsi1sk: at,
            gsi2pk: `USER#${o.userId}`,
            gsi2sk: at,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      {
        Update: {
          Key: keyKey(idempotencyKey),
          UpdateExpression:
            'SET #state = :completed, responseStatus = :status, responseBody = :body, expiresAt = if_not_exists(expiresAt, :expires)',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: {
            ':completed': 'completed',
            ':status': 201,
            ':body': saved,
            ':expires': this.expiresAt(now),
          },
        },
      },
    ]);
    return saved;
  }

  async get(id: string): Promise<Order | undefined> {
    const out = await this.store.run('orders_get', (abortSignal) =>
      this.store.doc.send(new GetCommand({ TableName: this.table, Key: orderKey(id), ConsistentRead: true }), {
        abortSignal,
      }),
    );
    return out.Item ? toOrder(out.Item as Order) : undefined;
  }

  async list(userId: string | undefined, limit: number, after: KeysetPosition | undefined): Promise<Order[]> {
    const [index, partition] = userId ? ['gsi2', `USER#${userId}`] : ['gsi1', 'ORDERS'];
    const items = await this.store.indexPage<Order>('orders_list', { index, partition, after, limit: limit + 1 });
    return items.map(toOrder);
  }

  private async transition(
    operation: string,
    id: string,
    update: string,
    from: OrderStatus,
    to: OrderStatus,
  ): Promise<boolean> {
    try {
      await this.store.run(operation, (abortSignal) =>
        this.store.doc.send(
          new UpdateCommand({
            TableName: this.table,
            Key: orderKey(id),
            UpdateExpression: update,
            ConditionExpression: '#status = :from',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: {
              ':from': from,
              ':to': to,
              ':now': new Date().toISOString(),
              ...(to === 'cancelling' ? { ':cancelling': 'CANCELLING' } : {}),
            },
          }),
          { abortSignal },
        ),
      );
      return true;
    } catch (err) {
      if (isConditionFailure(err)) return false;
      throw err;
    }
  }

  /** Enters the sparse index of pending cancels (gsi3), sorted like the order itself. */
  markCancelling(id: string): Promise<boolean> {
    return this.transition(
      'orders_cancelling',
      id,
      'SET #status = :to, updatedAt = :now, gsi3pk = :cancelling, gsi3sk = gsi1sk',
      'confirmed',
      'cancelling',
    );
  }

  markCancelled(id: string): Promise<boolean> {
    return this.transition(
      'orders_cancel',
      id,
      'SET #status = :to, updatedAt = :now, cancelledAt = :now REMOVE gsi3pk, gsi3sk',
      'cancelling',
      'cancelled',
    );
  }

  async cancelling(limit: number, after: KeysetPosition | undefined): Promise<KeysetPosition[]> {
    const items = await this.store.indexPage<Order>('orders_cancelling_list', {
      index: 'gsi3',
      partition: 'CANCELLING',
      after,
      limit,
    });
    return items.map((o) => ({ id: o.id, createdAt: o.createdAt }));
  }

  async statuses(ids: string[]): Promise<Map<string, OrderStatus>> {
    if (ids.length === 0) return new Map();
    const items = await this.store.getMany<Order>('orders_statuses', ids.map(orderKey));
    return new Map(items.map((o) => [o.id, o.status]));
  }

  // ---- Idempotency-Key records -------------------------------------------------------------------------------------

  async claim(key: string, hash: string): Promise<Claim> {
    for (;;) {
      const now = Date.now();
      try {
        await this.store.run('idempotency_claim', (abortSignal) =>
          this.store.doc.send(
            new PutCommand({
              TableName: this.table,
              Item: {
                ...keyKey(key),
                requestHash: hash,
                state: 'in_flight',
                lockedUntil: now + this.leaseMs,
                createdAt: new Date(now).toISOString(),
                expiresAt: this.expiresAt(now),
              },
              // TTL deletes expired items late (up to days): an expired key counts as absent here.
              ConditionExpression:
                'attribute_not_exists(pk) OR expiresAt < :nowSeconds OR (#state = :inFlight AND lockedUntil < :now AND requestHash = :hash)',
              ExpressionAttributeNames: { '#state': 'state' },
              ExpressionAttributeValues: {
                ':nowSeconds': Math.floor(now / 1000),
                ':now': now,
                ':inFlight': 'in_flight',
                ':hash': hash,
              },
            }),
            { abortSignal },
          ),
        );
        return { kind: 'claimed' };
      } catch (err) {
        if (!isConditionFailure(err)) throw err;
      }
      const out = await this.store.run('idempotency_get', (abortSignal) =>
        this.store.doc.send(new GetCommand({ TableName: this.table, Key: keyKey(key), ConsistentRead: true }), {
          abortSignal,
        }),
      );
      const item = out.Item as KeyItem | undefined;
      if (!item) continue; // released or deleted in between: claim again
      if (item.requestHash !== hash) return { kind: 'mismatch' };
      if (item.state === 'in_flight') return { kind: 'in-flight' };
      return { kind: 'completed', status: item.responseStatus ?? 200, body: item.responseBody };
    }
  }

  async complete(key: string, status: number, body: unknown): Promise<void> {
    try {
      await this.store.run('idempotency_complete', (abortSignal) =>
        this.store.doc.send(
          new UpdateCommand({
            TableName: this.table,
            Key: keyKey(key),
            UpdateExpression: 'SET #state = :completed, responseStatus = :status, responseBody = :body',
            ConditionExpression: 'attribute_exists(pk)',
            ExpressionAttributeNames: { '#state': 'state' },
            ExpressionAttributeValues: { ':completed': 'completed', ':status': status, ':body': body },
          }),
          { abortSignal },
        ),
      );
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
    }
  }

  async release(key: string): Promise<void> {
    try {
      await this.store.run('idempotency_release', (abortSignal) =>
        this.store.doc.send(
          new DeleteCommand({
            TableName: this.table,
            Key: keyKey(key),
            ConditionExpression: '#state = :inFlight',
            ExpressionAttributeNames: { '#state': 'state' },
            ExpressionAttributeValues: { ':inFlight': 'in_flight' },
          }),
          { abortSignal },
        ),
      );
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
    }
  }

  /** DynamoDB's TTL deletes expired keys (the claim already treats them as absent); nothing to do here. */
  async purgeExpired(): Promise<number> {
    return 0;
  }
}
