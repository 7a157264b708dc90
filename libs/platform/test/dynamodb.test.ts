import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { DescribeTableCommand, DescribeTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { PutCommand, GetCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoStore, classify, ensureTable, type TableDefinition } from '@shipshape/platform/dynamodb';
import { Problem } from '@shipshape/platform/errors';
import { startDynamoDbLocal, type DynamoDbLocal } from '../../../tools/dev/dynamodb-local.ts';
import { freePort } from '../../../tools/dev/ports.ts';

let local: DynamoDbLocal;
before(async () => {
  local = await startDynamoDbLocal();
});
after(async () => {
  await local?.stop();
});

const definition: TableDefinition = {
  key: { partition: 'pk', sort: 'sk' },
  indexes: [{ name: 'gsi1', partition: 'gsi1pk', sort: 'gsi1sk' }],
  ttlAttribute: 'expiresAt',
};
const settings = () => ({ DYNAMODB_ENDPOINT: local.endpoint, AWS_REGION: 'us-east-1', DYNAMODB_TIMEOUT_MS: 2000 });

test('when the table is ensured three times at once and again, then it is created once with its index and TTL', async () => {
  const outcomes = await Promise.all([1, 2, 3].map(() => ensureTable(settings(), 'ensure-test', definition)));
  assert.equal(outcomes.filter((o) => o === 'created').length, 1);
  assert.equal(await ensureTable(settings(), 'ensure-test', definition), 'exists');
  const store = new DynamoStore({ ...settings(), DYNAMODB_TABLE: 'ensure-test' });
  try {
    const table = (await store.client.send(new DescribeTableCommand({ TableName: 'ensure-test' }))).Table;
    assert.equal(table?.TableStatus, 'ACTIVE');
    assert.deepEqual(
      table?.GlobalSecondaryIndexes?.map((i) => i.IndexName),
      ['gsi1'],
    );
    const ttl = await store.client.send(new DescribeTimeToLiveCommand({ TableName: 'ensure-test' }));
    assert.equal(ttl.TimeToLiveDescription?.AttributeName, 'expiresAt');
    assert.deepEqual(await store.ping(), { ok: true });
    await store.run('put', (abortSignal) =>
      store.doc.send(new PutCommand({ TableName: 'ensure-test', Item: { pk: 'a', sk: 'b', n: 1 } }), { abortSignal }),
    );
    const got = await store.run('get', (abortSignal) =>
      store.doc.send(new GetCommand({ TableName: 'ensure-test', Key: { pk: 'a', sk: 'b' } }), { abortSignal }),
    );
    assert.equal(got.Item?.n, 1);
  } finally {
    store.close();
  }
});

test('when the table is missing, then readiness names it and a call answers 503 saying to migrate', async () => {
  const store = new DynamoStore({ ...settings(), DYNAMODB_TABLE: 'missing-table' });
  try {
    const ping = await store.ping();
    assert.equal(ping.ok, false);
    assert.match(ping.detail ?? '', /missing-table does not exist; run npm run migrate/);
    await assert.rejects(
      store.run('get', (abortSignal) =>
        store.doc.send(new GetCommand({ TableName: 'missing-table', Key: { pk: 'a', sk: 'b' } }), { abortSignal }),
      ),
      (err: Problem) => err instanceof Problem && err.status === 503 && err.headers['retry-after'] === '5',
    );
  } finally {
    store.close();
  }
});

test('when DynamoDB is unreachable, then a call answers 503 + Retry-After within its deadline', async () => {
  const port = await freePort();
  const store = new DynamoStore({
    DYNAMODB_ENDPOINT: `http://127.0.0.1:${port}`,
    AWS_REGION: 'us-east-1',
    DYNAMODB_TIMEOUT_MS: 600,
    DYNAMODB_TABLE: 'any',
  });
  const started = Date.now();
  try {
    await assert.rejects(
      store.run('get', (abortSignal) =>
        store.doc.send(new GetCommand({ TableName: 'any', Key: { pk: 'a', sk: 'b' } }), { abortSignal }),
      ),
      (err: Problem) =>
        err instanceof Problem &&
        err.status === 503 &&
        err.headers['retry-after'] === '1' &&
        !/127\.0\.0\.1|ECONN/.test(err.message),
    );
    const took = Date.now() - started;
    assert.ok(took < 600 + 300, `gave up after ${took} ms, past the 600 ms deadline`);
    assert.equal((await store.ping()).ok, false);
  } finally {
    store.close();
  }
});

test('when DynamoDB throttles twice, then the call is repeated and succeeds; a failed condition is never repeated', async () => {
  const store = new DynamoStore({ ...settings(), DYNAMODB_TABLE: 'ensure-test' });
  try {
    let attempts = 0;
    const out = await store.run('throttled', async () => {
      attempts += 1;
      if (attempts <= 2) throw Object.assign(new Error('slow down'), { name: 'ThrottlingException' });
      return 'done';
    });
    assert.equal(out, 'done');
    assert.equal(attempts, 3);
    let conditional = 0;
    await assert.rejects(
      store.run('conditional', async () => {
        conditional += 1;
        throw Object.assign(new Error('no'), {
          name: 'TransactionCanceledException',
          CancellationReasons: [{ Code: 'None' }, { Code: 'ConditionalCheckFailed' }],
        });
      }),
      /no/,
    );
    assert.equal(conditional, 1);
    assert.equal(
      classify({ name: 'TransactionCanceledException', CancellationReasons: [{ Code: 'TransactionConflict' }] }),
      'conflict',
    );
    assert.equal(classify({ name: 'ValidationException' }), 'final');
  } finally {
    store.close();
  }
});
