// The catalog in DynamoDB (STORE=dynamodb): products, SKU guards and reservations in one table
// (docs/decisions/0003-dynamodb-table-design.md). Every change that must not be lost or doubled is a conditional
// write or one TransactWriteItems; nothing here decides business rules.
import { randomUUID } from 'node:crypto';
import { GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { cancellationCodes, isConditionFailure, keysetPosition, type DynamoStore } from '@shipshape/platform/dynamodb';
import type {
  CommitOutcome,
  Reservation,
  ReservationLine,
  ReservedItem,
} from '@shipshape/platform/contracts/reservations';
import type { KeysetPosition } from '@shipshape/platform/schemas';
import {
  DuplicateSku,
  type NewProduct,
  type Product,
  type ProductPatch,
  type ProductStore,
} from '../../domain/catalog.ts';
import {
  stockShortOf,
  type HoldOutcome,
  type HoldRefusal,
  type HoldRequest,
  type ReservationStore,
} from '../../domain/reservations.ts';

const productKey = (id: string) => ({ pk: `PRODUCT#${id}`, sk: 'PRODUCT' });
const skuKey = (sku: string) => ({ pk: `SKU#${sku}`, sk: 'SKU' });
const reservationKey = (orderId: string) => ({ pk: `RESERVATION#${orderId}`, sk: 'RESERVATION' });
/** Sort key of the index: fixed-width ISO time, then the id, so strings sort like (createdAt, id). */

interface ProductItem extends Product {
  deletedAt?: string;
}

interface ReservationItem {
  orderId: string;
  status: Reservation['status'];
  items: ReservedItem[];
  createdAt: string;
}

const toProduct = (i: ProductItem): Product => ({
  id: i.id,
  sku: i.sku,
  name: i.name,
  description: i.description,
  priceCents: i.priceCents,
  currency: i.currency,
  stock: i.stock,
  createdAt: i.createdAt,
  updatedAt: i.updatedAt,
});

const newProduct = (id: string, p: NewProduct, now: string): Product => ({
  id,
  sku: p.sku,
  name: p.name,
  description: p.description ?? '',
  priceCents: p.priceCents,
  currency: p.currency,
  stock: p.stock,
  createdAt: now,
  updatedAt: now,
});

const byProduct = <T extends { productId: string }>(a: T, b: T) => a.productId.localeCompare(b.productId);

/**
 * Transactions on one item conflict (TransactionConflict) instead of queueing as PostgreSQL's row locks do, so a
 * storm on one product would spend its time in retries. Within this process, writes to the same products take turns
 * (locks taken in product id order, so two orders never wait on each other); across replicas the conflicts that
 * remain are retried inside the deadline.
 */
class ProductTurns {
  private readonly tails = new Map<string, Promise<void>>();

  async run<T>(ids: string[], fn: () => Promise<T>): Promise<T> {
    const releases: (() => void)[] = [];
    try {
      for (const id of [...new Set(ids)].sort()) {
        const previous = this.tails.get(id) ?? Promise.resolve();
        let release = () => {};
        const mine = new Promise<void>((resolve) => {
          release = resolve;
        });
        const tail = previous.then(() => mine);
        this.tails.set(id, tail);
        releases.push(() => {
          release();
          if (this.tails.get(id) === tail) this.tails.delete(id);
        });
        await previous;
      }
      return await fn();
    } finally {
      for (const release of releases) release();
    }
  }
}

/** How often a reservation is re-read and retried after a concurrent change moved the ground (a price, a release). */
const RETRIES = 10;

export class DynamoCatalogStore implements ProductStore, ReservationStore {
  private readonly store: DynamoStore;
  private readonly table: string;
  private readonly turns = new ProductTurns();

  constructor(store: DynamoStore) {
    this.store = store;
    this.table = store.table;
  }

  // ---- products --------------------------------------------------------------------------------------------------

  async create(p: NewProduct): Promise<Product> {
    const product = newProduct(randomUUID(), p, new Date().toISOString());
    try {
      await this.insert('products_insert', product);
    } catch (err) {
      if (cancellationCodes(err)[1] === 'ConditionalCheckFailed') throw new DuplicateSku(p.sku);
      throw err;
    }
    return product;
  }

  /** The product and its SKU guard in one transaction: both are written or neither is. */
  private insert(operation: string, product: Product): Promise<void> {
    return this.store.transact(operation, [
      {
        Put: {
          Item: {
            ...productKey(product.id),
            ...product,
            gsi1pk: 'PRODUCTS',
            gsi1sk: keysetPosition(product.createdAt, product.id),
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      {
        Put: {
          Item: { ...skuKey(product.sku), productId: product.id },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
    ]);
  }

  private async item(id: string): Promise<ProductItem | undefined> {
    const out = await this.store.run('products_get', (abortSignal) =>
      this.store.doc.send(new GetCommand({ TableName: this.table, Key: productKey(id), ConsistentRead: true }), {
        abortSignal,
      }),
    );
    return out.Item as ProductItem | undefined;
  }

  async get(id: string): Promise<Product | undefined> {
    const item = await this.item(id);
    return item && !item.deletedAt ? toProduct(item) : undefined;
  }

  async list(limit: number, after: KeysetPosition | undefined): Promise<Product[]> {
    const items = await this.store.indexPage<ProductItem>('products_list', {
      index: 'gsi1',
      partition: 'PRODUCTS',
      after,
      limit: limit + 1,
    });
    return items.map(toProduct);
  }

  async update(id: string, p: ProductPatch): Promise<Product | undefined> {
    const fields = Object.entries(p).filter(([, value]) => value !== undefined && value !== null);
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = { ':now': new Date().toISOString() };
    const sets = ['updatedAt = :now'];
    for (const [i, [field, value]] of fields.entries()) {
      names[`#f${i}`] = field;
      values[`:v${i}`] = value;
      sets.push(`#f${i} = :v${i}`);
    }
    try {
      const out = await this.store.run('products_update', (abortSignal) =>
        this.store.doc.send(
          new UpdateCommand({
            TableName: this.table,
            Key: productKey(id),
            UpdateExpression: `SET ${sets.join(', ')}`,
            ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(deletedAt)',
            ...(fields.length ? { ExpressionAttributeNames: names } : {}),
            ExpressionAttributeValues: values,
            ReturnValues: 'ALL_NEW',
          }),
          { abortSignal },
        ),
      );
      return toProduct(out.Attributes as ProductItem);
    } catch (err) {
      if (isConditionFailure(err)) return undefined;
      throw err;
    }
  }

  async softDelete(id: string): Promise<boolean> {
    const item = await this.item(id);
    if (!item || item.deletedAt) return false;
    const now = new Date().toISOString();
    try {
      await this.store.transact('products_delete', [
        {
          // Leaves the listing index; reservations of existing orders still find it.
          Update: {
            Key: productKey(id),
            UpdateExpression: 'SET deletedAt = :now, updatedAt = :now REMOVE gsi1pk, gsi1sk',
            ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(deletedAt)',
            ExpressionAttributeValues: { ':now': now },
          },
        },
        {
          // The SKU is free again for a new product.
          Delete: {
            Key: skuKey(item.sku),
            ConditionExpression: 'productId = :id',
            ExpressionAttributeValues: { ':id': id },
          },
        },
      ]);
      return true;
    } catch (err) {
      if (isConditionFailure(err)) return false;
      throw err;
    }
  }

  // ---- reservations ----------------------------------------------------------------------------------------------

  private async reservation(orderId: string): Promise<ReservationItem | undefined> {
    const out = await this.store.run('reservations_get', (abortSignal) =>
      this.store.doc.send(
        new GetCommand({ TableName: this.table, Key: reservationKey(orderId), ConsistentRead: true }),
        { abortSignal },
      ),
    );
    return out.Item as ReservationItem | undefined;
  }

  async find(orderId: string): Promise<Reservation | undefined> {
    const r = await this.reservation(orderId);
    return r ? { orderId, status: r.status, items: [...r.items].sort(byProduct) } : undefined;
  }

  /** Current products of the lines, read consistently, keyed by id. */
  private async products(ids: string[]): Promise<Map<string, ProductItem>> {
    const items = await this.store.getMany<ProductItem>('reservations_prices', ids.map(productKey));
    return new Map(items.map((i) => [i.id, i]));
  }

  /**
   * Reads the prices, then takes every line in one transaction with the reservation's put: each decrement is
   * conditioned on stock >= quantity and on the price read, so nothing oversells and no stale price is recorded.
   */
  hold(
    orderId: string,
    lines: ReservationLine[],
    accept: (items: ReservedItem[]) => HoldRefusal | undefined,
  ): Promise<HoldOutcome> {
    return this.turns.run(
      lines.map((l) => l.productId),
      () => this.holdNow(orderId, lines, accept),
    );
  }

  /** One transaction per order, in the order given: DynamoDB has no statement that holds for many orders. */
  async holdMany(
    requests: HoldRequest[],
    accept: (items: ReservedItem[]) => HoldRefusal | undefined,
  ): Promise<HoldOutcome[]> {
    const outcomes: HoldOutcome[] = [];
    for (const r of requests) outcomes.push(await this.hold(r.orderId, r.lines, accept));
    return outcomes;
  }

  private async holdNow(
    orderId: string,
    lines: ReservationLine[],
    accept: (items: ReservedItem[]) => HoldRefusal | undefined,
  ): Promise<HoldOutcome> {
    const sorted = [...lines].sort(byProduct);
    for (let attempt = 0; attempt < RETRIES; attempt++) {
      const current = await this.products(sorted.map((l) => l.productId));
      const items: ReservedItem[] = [];
      for (const line of sorted) {
        const product = current.get(line.productId);
        if (!product || product.deletedAt) return { kind: 'unknown-product', productId: line.productId };
        const short = stockShortOf(line, product.stock);
        if (short) return short;
        items.push({
          productId: line.productId,
          quantity: line.quantity,
          unitPriceCents: product.priceCents,
          currency: product.currency,
        });
      }
      const refused = accept(items);
      if (refused) return refused;
      const now = new Date().toISOString();
      try {
        await this.store.transact('reservations_reserve', [
          {
            Put: {
              Item: {
                ...reservationKey(orderId),
                orderId,
                status: 'reserved',
                items,
                createdAt: now,
                gsi1pk: 'HELD',
                gsi1sk: keysetPosition(now, orderId),
              },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
          ...items.map((item) => ({
            Update: {
              Key: productKey(item.productId),
              UpdateExpression: 'SET stock = stock - :q, updatedAt = :now',
              ConditionExpression:
                'attribute_exists(pk) AND attribute_not_exists(deletedAt) AND stock >= :q AND priceCents = :price AND currency = :currency',
              ExpressionAttributeValues: {
                ':q': item.quantity,
                ':now': now,
                ':price': item.unitPriceCents,
                ':currency': item.currency,
              },
            },
          })),
        ]);
        return { kind: 'held', items };
      } catch (err) {
        if (!isConditionFailure(err)) throw err;
        if (cancellationCodes(err)[0] === 'ConditionalCheckFailed') return { kind: 'exists' };
        // A line's stock, price or existence changed since the read: read again and decide on fresh values.
      }
    }
    throw new Error(`reservation for order ${orderId} kept racing with concurrent changes`);
  }

  async commit(orderId: string): Promise<{ reservation: Reservation; changed: boolean } | undefined> {
    let changed = true;
    try {
      await this.store.run('reservations_commit', (abortSignal) =>
        this.store.doc.send(
          new UpdateCommand({
            TableName: this.table,
            Key: reservationKey(orderId),
            // Leaves the index of unresolved reservations.
            UpdateExpression: 'SET #status = :committed, committedAt = :now REMOVE gsi1pk, gsi1sk',
            ConditionExpression: '#status = :reserved',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: {
              ':committed': 'committed',
              ':reserved': 'reserved',
              ':now': new Date().toISOString(),
            },
          }),
          { abortSignal },
        ),
      );
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
      changed = false;
    }
    const reservation = await this.find(orderId);
    return reservation && { reservation, changed };
  }

  /** One conditional update per order, side by side: DynamoDB has no multi-item conditional update short of a transaction. */
  async commitMany(orderIds: string[]): Promise<{ outcomes: CommitOutcome[]; committed: number }> {
    let committed = 0;
    const outcomes = await Promise.all(
      orderIds.map(async (orderId): Promise<CommitOutcome> => {
        const after = await this.commit(orderId);
        if (!after) return { orderId, status: 'missing' };
        if (after.changed) committed += 1;
        return { orderId, status: after.reservation.status };
      }),
    );
    return { outcomes, committed };
  }

  /** The status change and the stock increments are one transaction, conditioned on the status read: once only. */
  async release(orderId: string): Promise<{ returned: ReservedItem[] } | undefined> {
    for (let attempt = 0; attempt < RETRIES; attempt++) {
      const r = await this.reservation(orderId);
      if (!r) return undefined;
      if (r.status === 'released') return { returned: [] };
      const now = new Date().toISOString();
      const returned = [...r.items].sort(byProduct);
      try {
        await this.turns.run(
          returned.map((i) => i.productId),
          () =>
            this.store.transact('reservations_release', [
              {
                Update: {
                  Key: reservationKey(orderId),
                  UpdateExpression: 'SET #status = :released, releasedAt = :now REMOVE gsi1pk, gsi1sk',
                  ConditionExpression: '#status = :was',
                  ExpressionAttributeNames: { '#status': 'status' },
                  ExpressionAttributeValues: { ':released': 'released', ':was': r.status, ':now': now },
                },
              },
              ...returned.map((item) => ({
                Update: {
                  Key: productKey(item.productId),
                  UpdateExpression: 'SET stock = stock + :q, updatedAt = :now',
                  ExpressionAttributeValues: { ':q': item.quantity, ':now': now },
                },
              })),
            ]),
        );
        return { returned };
      } catch (err) {
        if (!isConditionFailure(err)) throw err;
        // Committed or released meanwhile: read the new status and decide again.
      }
    }
    throw new Error(`release of order ${orderId} kept racing with concurrent changes`);
  }

  /** Reads only the sparse index of reserved (held) reservations, however many resolved ones exist. */
  async unresolved(olderThanMs: number, limit: number, after: KeysetPosition | undefined): Promise<KeysetPosition[]> {
    const before = new Date(Date.now() - olderThanMs).toISOString();
    const from = after ? keysetPosition(after.createdAt, after.id) : undefined;
    const out = await this.store.run('reservations_unresolved', (abortSignal) =>
      this.store.doc.send(
        new QueryCommand({
          TableName: this.table,
          IndexName: 'gsi1',
          KeyConditionExpression: from
            ? 'gsi1pk = :p AND gsi1sk BETWEEN :from AND :before'
            : 'gsi1pk = :p AND gsi1sk < :before',
          ExpressionAttributeValues: { ':p': 'HELD', ':before': before, ...(from ? { ':from': from } : {}) },
          Limit: limit + 1,
        }),
        { abortSignal },
      ),
    );
    return ((out.Items ?? []) as (ReservationItem & { gsi1sk: string })[])
      .filter((i) => i.gsi1sk !== from)
      .slice(0, limit)
      .map((i) => ({ id: i.orderId, createdAt: i.createdAt }));
  }

  /** Seeds a product with a fixed id (npm run seed); existing ones are kept. */
  async seed(p: NewProduct & { id: string }): Promise<boolean> {
    try {
      await this.insert('products_seed', newProduct(p.id, p, new Date().toISOString()));
      return true;
    } catch (err) {
      if (isConditionFailure(err)) return false;
      throw err;
    }
  }
}
