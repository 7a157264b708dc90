// Each Terraform module's README lists its inputs and outputs as variables.tf and outputs.tf declare them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { relative } from 'node:path';
import { moduleDirs, readmes } from '../docs/terraform-readmes.ts';

test('when the module READMEs are generated from variables.tf and outputs.tf, then every module has one and the committed ones are current', async () => {
  const all = await readmes();
  assert.equal(all.length, moduleDirs().length);
  const stale = all.filter((r) => r.before !== r.after).map((r) => relative(process.cwd(), r.file));
  assert.deepEqual(stale, [], 'run npm run docs:terraform');
});
