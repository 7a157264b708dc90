// DynamoDB access for the services that can keep their data there (STORE=dynamodb): one document client per
// service, every call bounded by a deadline, transient failures (throttling, transaction conflicts, lost
// connections, 5xx) retried with jittered backoff inside that deadline and then answered 503 + Retry-After.
import {
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  ResourceNotFoundException,
  UpdateTimeToLiveCommand,
  type AttributeDefinition,
  type GlobalSecondaryIndex,
} from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  DynamoDBDocumentClient,
  QueryCommand,
  TransactWriteCommand,
  type TransactWriteDelete,
  type TransactWriteItem,
  type TransactWritePut,
  type TransactWriteUpdate,
} from '@aws-sdk/lib-dynamodb';
import type { DynamoSettings } from './config.ts';
import type { FastifyBaseLogger } from 'fastify';
import { unavailable } from './errors.ts';
import type { Metrics } from './metrics.ts';
import type { App } from './service.ts';

export { dynamodbEnv, storeEnv, type DynamoSettings } from './config.ts';

/** A table as the code needs it: the one definition `npm run migrate` creates and Terraform mirrors. */
export interface TableDefinition {
  /** Partition and sort key attribute names (strings). */
  key: { partition: string; sort: string };
  /** Sparse global secondary indexes: an item appears in one only while it carries the index's key attributes. */
  indexes: { name: string; partition: string; sort: string }[];
  /** Epoch-seconds attribute DynamoDB's TTL deletes items by. */
  ttlAttribute?: string;
}

/** DynamoDB Local accepts any credentials; AWS gets the default provider chain. */
function localCredentials(endpoint: string | undefined) {
  if (!endpoint || process.env.AWS_ACCESS_KEY_ID) return {};
  return { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };
}

export function createDynamoClient(
  c: Pick<DynamoSettings, 'DYNAMODB_ENDPOINT' | 'AWS_REGION' | 'DYNAMODB_TIMEOUT_MS'>,
) {
  const client = new DynamoDBClient({
    region: c.AWS_REGION,
    ...(c.DYNAMODB_ENDPOINT ? { endpoint: c.DYNAMODB_ENDPOINT } : {}),
    ...localCredentials(c.DYNAMODB_ENDPOINT),
    // Retries are ours (below), so they share one deadline with the call they repeat.
    maxAttempts: 1,
    requestHandler: {
      connectionTimeout: Math.min(1000, c.DYNAMODB_TIMEOUT_MS),
      requestTimeout: c.DYNAMODB_TIMEOUT_MS,
    },
  });
  const doc = DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true },
  });
  return { client, doc };
}

interface AwsError {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  CancellationReasons?: { Code?: string }[];
}

const THROTTLED = new Set([
  'ThrottlingException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'LimitExceededException',
]);
const NETWORK = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'EAI_AGAIN']);

/** How a failed call should be treated: retried (and which kind of trouble it was) or passed to the caller. */
export function classify(err: unknown): 'throttled' | 'conflict' | 'connection' | 'timeout' | 'final' {
  const e = (err ?? {}) as AwsError;
  const name = e.name ?? '';
  if (THROTTLED.has(name)) return 'throttled';
  if (name === 'TransactionConflictException' || name === 'TransactionInProgressException') return 'conflict';
  if (name === 'TransactionCanceledException') {
    const codes = (e.CancellationReasons ?? []).map((r) => r.Code ?? 'None');
    // A failed condition is an answer; only conflicts and throttling are worth repeating.
    if (codes.includes('ConditionalCheckFailed')) return 'final';
    if (codes.some((c) => c === 'ThrottlingError' || c === 'ProvisionedThroughputExceeded')) return 'throttled';
    if (codes.includes('TransactionConflict')) return 'conflict';
    return 'final';
  }
  if (name === 'TimeoutError' || name === 'AbortError' || name === 'RequestTimeout') return 'timeout';
  if (NETWORK.has(e.code ?? '') || /socket hang up|ECONNREFUSED|ECONNRESET/.test(e.message ?? '')) return 'connection';
  if ((e.$metadata?.httpStatusCode ?? 0) >= 500 || name === 'InternalServerError' || name === 'ServiceUnavailable')
    return 'connection';
  return 'final';
}

/** True when a transaction or conditional write was refused because a condition did not hold. */
export function isConditionFailure(err: unknown): boolean {
  const e = (err ?? {}) as AwsError;
  if (e.name === 'ConditionalCheckFailedException') return true;
  return (
    e.name === 'TransactionCanceledException' &&
    (e.CancellationReasons ?? []).some((r) => r.Code === 'ConditionalCheckFailed')
  );
}

/** The cancellation reason per item of a cancelled transaction ("None" for the items that were fine). */
export function cancellationCodes(err: unknown): string[] {
  return ((err ?? {}) as AwsError).CancellationReasons?.map((r) => r.Code ?? 'None') ?? [];
}

/** The sort key of the keyset indexes: creation time, then id, so pages resume exactly where the last one ended. */
export const keysetPosition = (createdAt: string, id: string) => `${new Date(createdAt).toISOString()}#${id}`;

/** One action of a transaction on the store's table: a TransactWriteItems Put, Update or Delete, table implied. */
export type TableWrite =
  | { Put: Omit<TransactWritePut, 'TableName'> }
  | { Update: Omit<TransactWriteUpdate, 'TableName'> }
  | { Delete: Omit<TransactWriteDelete, 'TableName'> };

export class DynamoStore {
  readonly doc: DynamoDBDocumentClient;
  readonly client: DynamoDBClient;
  readonly table: string;
  private readonly timeoutMs: number;
  private readonly metrics: Metrics | undefined;
  private readonly log: FastifyBaseLogger | undefined;

  constructor(c: DynamoSettings, metrics?: Metrics, log?: FastifyBaseLogger) {
    const { client, doc } = createDynamoClient(c);
    this.client = client;
    this.doc = doc;
    this.table = c.DYNAMODB_TABLE;
    this.timeoutMs = c.DYNAMODB_TIMEOUT_MS;
    this.metrics = metrics;
    this.log = log;
  }

  /**
   * Runs one DynamoDB call, repeating it on throttling, transaction conflicts and lost connections with full-jitter
   * backoff, never past the deadline: then it answers 503 with Retry-After. Other errors (a failed condition, a
   * validation error) reach the caller unchanged.
   */
  async run<T>(operation: string, call: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const end = this.metrics?.dbDuration.startTimer({ operation });
    const deadline = Date.now() + this.timeoutMs;
    let lastKind = 'timeout';
    for (let attempt = 0; ; attempt++) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) break;
      try {
        const out = await call(AbortSignal.timeout(remaining));
        end?.({ outcome: 'ok' });
        return out;
      } catch (err) {
        const kind = classify(err);
        if (kind === 'final') {
          end?.({ outcome: isConditionFailure(err) ? 'ok' : 'error' });
          if (err instanceof ResourceNotFoundException) {
            throw unavailable(`table ${this.table} does not exist; run npm run migrate with STORE=dynamodb`, 5);
          }
          throw err;
        }
        lastKind = kind;
        if (kind !== 'conflict') this.metrics?.dbErrors.inc({ kind: kind === 'throttled' ? 'throttled' : kind });
        // A transaction conflict clears as soon as the other transaction ends: retry soon. Throttling and lost
        // connections need the store to recover: back off further.
        const backoff =
          Math.random() * (kind === 'conflict' ? Math.min(50, 5 * 2 ** attempt) : Math.min(500, 20 * 2 ** attempt));
        if (Date.now() + backoff >= deadline) break;
        await new Promise((resolve) => setTimeout(resolve, backoff));
      }
    }
    end?.({ outcome: 'error' });
    this.log?.warn({ operation, reason: lastKind }, 'DynamoDB call gave up at its deadline');
    throw unavailable(
      lastKind === 'throttled' || lastKind === 'conflict'
        ? 'the data store is throttling requests; retry shortly'
        : 'the data store is unreachable; retry shortly',
      1,
    );
  }

  /**
   * Reads many items of this table by key (BatchGetItem in chunks of 100, unprocessed keys asked again until the
   * deadline), in no particular order.
   */
  async getMany<T>(operation: string, keys: Record<string, string>[], consistent = true): Promise<T[]> {
    const found: T[] = [];
    for (let i = 0; i < keys.length; i += 100) {
      let pending: Record<string, unknown>[] | undefined = keys.slice(i, i + 100);
      await this.run(operation, async (abortSignal) => {
        while (pending?.length) {
          const out = await this.doc.send(
            new BatchGetCommand({ RequestItems: { [this.table]: { Keys: pending, ConsistentRead: consistent } } }),
            { abortSignal },
          );
          found.push(...((out.Responses?.[this.table] ?? []) as T[]));
          pending = out.UnprocessedKeys?.[this.table]?.Keys;
          if (pending?.length) throw Object.assign(new Error('unprocessed keys'), { name: 'ThrottlingException' });
        }
      });
    }
    return found;
  }

  /** Writes all of `writes` or none (TransactWriteItems on this table), through run(): retried, bounded, measured. */
  async transact(operation: string, writes: TableWrite[]): Promise<void> {
    const TableName = this.table;
    const TransactItems = writes.map(
      (w): TransactWriteItem =>
        'Put' in w
          ? { Put: { TableName, ...w.Put } }
          : 'Update' in w
            ? { Update: { TableName, ...w.Update } }
            : { Delete: { TableName, ...w.Delete } },
    );
    await this.run(operation, (abortSignal) =>
      this.doc.send(new TransactWriteCommand({ TransactItems }), { abortSignal }),
    );
  }

  /**
   * One keyset page of a sparse index whose sort key is keysetPosition(createdAt, id): the items of `partition`
   * after `after` (exclusive), oldest first, at most `limit`.
   */
  async indexPage<T>(
    operation: string,
    q: { index: string; partition: string; after?: { createdAt: string; id: string } | undefined; limit: number },
  ): Promise<T[]> {
    const { index, partition, after, limit } = q;
    const out = await this.run(operation, (abortSignal) =>
      this.doc.send(
        new QueryCommand({
          TableName: this.table,
          IndexName: index,
          KeyConditionExpression: after ? `${index}pk = :p AND ${index}sk > :after` : `${index}pk = :p`,
          ExpressionAttributeValues: {
            ':p': partition,
            ...(after ? { ':after': keysetPosition(after.createdAt, after.id) } : {}),
          },
          Limit: limit,
        }),
        { abortSignal },
      ),
    );
    return (out.Items ?? []) as T[];
  }

  /** Readiness: the table exists and is usable. */
  async ping(): Promise<{ ok: boolean; detail?: string }> {
    try {
      const out = await this.client.send(new DescribeTableCommand({ TableName: this.table }), {
        abortSignal: AbortSignal.timeout(this.timeoutMs),
      });
      const status = out.Table?.TableStatus;
      return status === 'ACTIVE' || status === 'UPDATING'
        ? { ok: true }
        : { ok: false, detail: `table ${this.table} is ${status}` };
    } catch (err) {
      if (err instanceof ResourceNotFoundException) {
        return { ok: false, detail: `table ${this.table} does not exist; run npm run migrate with STORE=dynamodb` };
      }
      return { ok: false, detail: 'DynamoDB unreachable' };
    }
  }

  close(): void {
    this.doc.destroy();
    this.client.destroy();
  }
}

/** Creates the table (and its TTL setting) when missing, and waits until it is active. Safe to run concurrently. */
export async function ensureTable(
  c: Pick<DynamoSettings, 'DYNAMODB_ENDPOINT' | 'AWS_REGION' | 'DYNAMODB_TIMEOUT_MS'>,
  name: string,
  def: TableDefinition,
): Promise<'created' | 'exists'> {
  const { client, doc } = createDynamoClient({ ...c, DYNAMODB_TIMEOUT_MS: Math.max(c.DYNAMODB_TIMEOUT_MS, 10_000) });
  try {
    let created: 'created' | 'exists' = 'exists';
    const exists = await client.send(new DescribeTableCommand({ TableName: name })).then(
      () => true,
      (err: unknown) => {
        if (err instanceof ResourceNotFoundException) return false;
        throw err;
      },
    );
    if (!exists) {
      const attributes = new Set([
        def.key.partition,
        def.key.sort,
        ...def.indexes.flatMap((i) => [i.partition, i.sort]),
      ]);
      const AttributeDefinitions: AttributeDefinition[] = [...attributes].map((a) => ({
        AttributeName: a,
        AttributeType: 'S',
      }));
      const GlobalSecondaryIndexes: GlobalSecondaryIndex[] = def.indexes.map((i) => ({
        IndexName: i.name,
        KeySchema: [
          { AttributeName: i.partition, KeyType: 'HASH' },
          { AttributeName: i.sort, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      }));
      try {
        await client.send(
          new CreateTableCommand({
            TableName: name,
            BillingMode: 'PAY_PER_REQUEST',
            AttributeDefinitions,
            KeySchema: [
              { AttributeName: def.key.partition, KeyType: 'HASH' },
              { AttributeName: def.key.sort, KeyType: 'RANGE' },
            ],
            ...(GlobalSecondaryIndexes.length ? { GlobalSecondaryIndexes } : {}),
          }),
        );
        created = 'created';
      } catch (err) {
        if ((err as AwsError).name !== 'ResourceInUseException') throw err;
      }
    }
    for (let i = 0; i < 120; i++) {
      const out = await client.send(new DescribeTableCommand({ TableName: name }));
      if (out.Table?.TableStatus === 'ACTIVE') break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    if (def.ttlAttribute) {
      const ttl = await client.send(new DescribeTimeToLiveCommand({ TableName: name }));
      const status = ttl.TimeToLiveDescription?.TimeToLiveStatus;
      if (status !== 'ENABLED' && status !== 'ENABLING') {
        await client
          .send(
            new UpdateTimeToLiveCommand({
              TableName: name,
              TimeToLiveSpecification: { AttributeName: def.ttlAttribute, Enabled: true },
            }),
          )
          .catch((err: AwsError) => {
            // A concurrent run enabled it first.
            if (!/already enabled/i.test(err.message ?? '')) throw err;
          });
      }
    }
    return created;
  } finally {
    doc.destroy();
    client.destroy();
  }
}

/** The service's DynamoDB table, with a required readiness check (the table exists and is active). */
export function attachDynamo(app: App, c: DynamoSettings): DynamoStore {
  const store = new DynamoStore(c, app.metrics, app.log);
  app.health.add({ name: 'database', required: true, run: () => store.ping() });
  app.addHook('onClose', async () => store.close());
  return store;
}
