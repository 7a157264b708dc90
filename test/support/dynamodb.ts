// DynamoDB Local for a test file: one JVM per file (started on a random port, stopped at the end), and tables with
// names no other test shares, created from the same definitions `npm run migrate` uses.
import { randomBytes } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { ensureTable } from '@shipshape/platform/dynamodb';
import { startDynamoDbLocal, type DynamoDbLocal } from '../../tools/dev/dynamodb-local.ts';
import { DYNAMODB_TABLES } from '../../tools/db/dynamodb-tables.ts';

export const TEST_REGION = 'us-east-1';

export interface TestDynamo {
  endpoint: string;
  local: DynamoDbLocal;
  /** Creates a fresh orders and catalog table pair; returns the env each service needs to use them. */
  tables(): Promise<{ orders: Record<string, string>; products: Record<string, string> }>;
  stop(): Promise<void>;
}

export async function startTestDynamo(): Promise<TestDynamo> {
  const local = await startDynamoDbLocal();
  const settings = { DYNAMODB_ENDPOINT: local.endpoint, AWS_REGION: TEST_REGION, DYNAMODB_TIMEOUT_MS: 10_000 };
  return {
    endpoint: local.endpoint,
    local,
    async tables() {
      const prefix = `t${randomBytes(4).toString('hex')}`;
      const env: Record<string, Record<string, string>> = {};
      await Promise.all(
        Object.entries(DYNAMODB_TABLES).map(async ([service, t]) => {
          const name = `${prefix}-${t.suffix}`;
          await ensureTable(settings, name, t.definition);
          env[service] = {
            STORE: 'dynamodb',
            DYNAMODB_ENDPOINT: local.endpoint,
            AWS_REGION: TEST_REGION,
            DYNAMODB_TABLE: name,
          };
        }),
      );
      await warmUp(local.endpoint, env.products?.DYNAMODB_TABLE as string);
      return env as { orders: Record<string, string>; products: Record<string, string> };
    },
    stop: () => local.stop(),
  };
}

/**
 * A fresh JVM answers its first transactions and index queries slowly (class loading, the interpreter); one round
 * of each before the services start keeps that out of the first test's deadlines.
 */
async function warmUp(endpoint: string, table: string): Promise<void> {
  const client = new DynamoDBClient({
    region: TEST_REGION,
    endpoint,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const doc = DynamoDBDocumentClient.from(client);
  try {
    for (let i = 0; i < 3; i++) {
      const key = { pk: `WARMUP#${i}`, sk: 'WARMUP' };
      await doc.send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: { TableName: table, Item: { ...key, n: 1 }, ConditionExpression: 'attribute_not_exists(pk)' } },
          ],
        }),
      );
      await doc.send(
        new QueryCommand({
          TableName: table,
          IndexName: 'gsi1',
          KeyConditionExpression: 'gsi1pk = :p',
          ExpressionAttributeValues: { ':p': 'WARMUP' },
        }),
      );
      await doc.send(new DeleteCommand({ TableName: table, Key: key }));
    }
  } finally {
    doc.destroy();
    client.destroy();
  }
}
