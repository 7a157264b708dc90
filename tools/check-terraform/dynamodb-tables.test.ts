// The DynamoDB tables Terraform creates in AWS must be the ones the code creates locally (npm run migrate): the
// same table keys, keys, indexes and TTL attribute. A drift would only show as a failing deployment.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DYNAMODB_TABLES } from '../db/dynamodb-tables.ts';
import { TERRAFORM_ROOT } from './check.ts';
import { loadTree } from './model.ts';

const ROOT = TERRAFORM_ROOT;

interface TerraformTable {
  hash_key: string;
  range_key: string;
  indexes?: { name: string; hash_key: string; range_key: string }[];
  ttl_attribute?: string;
}

test('when the dynamodb module is compared with the services, then its default tables equal their definitions', async () => {
  const tree = await loadTree(ROOT);
  const variable = tree.modules.get('modules/dynamodb')?.variables.get('tables');
  assert.ok(variable, 'modules/dynamodb declares variable "tables"');
  const defaults = variable.body.default as Record<string, TerraformTable>;
  const fromTerraform = Object.fromEntries(
    Object.entries(defaults).map(([table, t]) => [
      table,
      {
        key: { partition: t.hash_key, sort: t.range_key },
        indexes: (t.indexes ?? []).map((i) => ({ name: i.name, partition: i.hash_key, sort: i.range_key })),
        ...(t.ttl_attribute ? { ttlAttribute: t.ttl_attribute } : {}),
      },
    ]),
  );
  const fromCode = Object.fromEntries(Object.values(DYNAMODB_TABLES).map((t) => [t.suffix, t.definition]));
  assert.deepEqual(fromTerraform, fromCode);
});
