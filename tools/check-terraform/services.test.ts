// Where Terraform lists the services, it lists the registry's (tools/dev/services.ts): a service added there and
// forgotten here would get no image repository, database login, chart block or ECS task.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from '@cdktf/hcl2json';
import { SERVICE_LIST, SERVICES } from '../dev/services.ts';

const MODULES = join(import.meta.dirname, '..', '..', 'infra', 'terraform', 'modules');
const WITH_DATABASE = SERVICE_LIST.filter((s) => s.dbSchema).map((s) => s.name);

type Variables = Record<string, Array<Record<string, unknown>>>;
async function variables(module: string): Promise<Variables> {
  const file = join(MODULES, module, 'variables.tf');
  return ((await parse(file, readFileSync(file, 'utf8'))) as { variable: Variables }).variable;
}

/** Every list of quoted names in an expression, e.g. the ["gateway", "users"] of a validation condition. */
const quotedLists = (expression: unknown): string[][] =>
  [...String(expression).matchAll(/\[((?:\s*"[a-z-]+"\s*,?)+)\]/g)].map((m) =>
    [...(m[1] ?? '').matchAll(/"([a-z-]+)"/g)].map((n) => n[1] ?? ''),
  );

const sorted = (names: readonly string[]) => [...names].sort();

test('when Terraform lists the services, then each list is the registry', async () => {
  const ecr = (await variables('ecr')).services?.[0];
  assert.deepEqual(sorted(ecr?.default as string[]), sorted(SERVICES), 'modules/ecr services default');

  const secrets = (await variables('secrets')).database?.[0];
  assert.deepEqual(
    quotedLists(secrets?.type).map(sorted),
    [sorted(WITH_DATABASE)],
    'modules/secrets database.services: the services with a database',
  );

  for (const module of ['helm-values', 'ecs']) {
    const services = (await variables(module)).services?.[0];
    const conditions = ((services?.validation ?? []) as Array<{ condition: string }>).map((v) => v.condition);
    assert.deepEqual(
      conditions.flatMap(quotedLists).map(sorted),
      [sorted(SERVICES)],
      `modules/${module} services validation`,
    );
  }
});
