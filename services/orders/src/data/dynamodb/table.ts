// The orders table (STORE=dynamodb): orders and Idempotency-Key records in one table. Terraform's modules/dynamodb
// mirrors this definition (checked by npm run check:terraform); docs/decisions/0003 explains it.
import type { TableDefinition } from '@shipshape/platform/dynamodb';

export const ORDERS_TABLE: TableDefinition = {
  key: { partition: 'pk', sort: 'sk' },
  indexes: [
    // All orders by "<createdAt>#<id>".
    { name: 'gsi1', partition: 'gsi1pk', sort: 'gsi1sk' },
    // One user's orders by "<createdAt>#<id>".
    { name: 'gsi2', partition: 'gsi2pk', sort: 'gsi2sk' },
    // Sparse: orders whose cancel is pending (status cancelling), for the reconciler.
    { name: 'gsi3', partition: 'gsi3pk', sort: 'gsi3sk' },
  ],
  // Idempotency-Key records carry their expiry; DynamoDB deletes them some time after it.
  ttlAttribute: 'expiresAt',
};
