// The catalog table (STORE=dynamodb): products, SKU guards and reservations in one table. Terraform's
// modules/dynamodb mirrors this definition (checked by npm run check:terraform); docs/decisions/0003 explains it.
import type { TableDefinition } from '@shipshape/platform/dynamodb';

export const CATALOG_TABLE: TableDefinition = {
  key: { partition: 'pk', sort: 'sk' },
  // gsi1: live products under PRODUCTS and unresolved (held) reservations under HELD, by "<createdAt>#<id>".
  indexes: [{ name: 'gsi1', partition: 'gsi1pk', sort: 'gsi1sk' }],
};
