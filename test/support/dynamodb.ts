// DynamoDB Local for a test file: one JVM per file (started on a random port, stopped at the end), and tables with
// names no other test shares, created from the same definitions `npm run migrate` uses.
import { randomBytes } from 'node:crypto';
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
      return env as { orders: Record<string, string>; products: Record<string, string> };
    },
    stop: () => local.stop(),
  };
}
