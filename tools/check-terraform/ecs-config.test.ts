// The ECS task definitions configure the services with the same env names the chart uses: every name Terraform
// sets (environment and secrets) must be one the service's config schema accepts, or the task would exit at start.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { acceptedEnvNames } from '@shipshape/platform/config';
import { SERVICE_SCHEMAS, SERVICES, type ServiceName } from '../dev/services.ts';
import { TERRAFORM_ROOT } from './check.ts';
import { isBody, loadTree } from './model.ts';

test('when the ECS configuration is compared with the config schemas, then every service gets only names it accepts', async () => {
  const tree = await loadTree(TERRAFORM_ROOT);
  const locals = tree.modules.get('modules/shipshape')?.locals;
  const environment = locals?.get('ecs_environment')?.body.value;
  const secrets = locals?.get('ecs_secrets')?.body.value;
  assert.ok(
    isBody(environment) && isBody(secrets),
    'modules/shipshape declares locals ecs_environment and ecs_secrets',
  );
  assert.deepEqual(Object.keys(environment).sort(), [...SERVICES].sort());
  for (const service of SERVICES) {
    const accepted = new Set(acceptedEnvNames(SERVICE_SCHEMAS[service as ServiceName]));
    const env = environment[service];
    const secret = secrets[service];
    assert.ok(isBody(env) && isBody(secret), `${service} has literal environment and secrets maps`);
    // The ecs module adds PORT to every container.
    const names: string[] = [...Object.keys(env), ...Object.keys(secret), 'PORT'];
    assert.deepEqual(
      names.filter((name) => !accepted.has(name)),
      [],
      `${service}: names its config schema does not accept`,
    );
  }
  const orders = environment.orders as Record<string, unknown>;
  assert.ok('STORE' in orders && 'DYNAMODB_TABLE' in orders, 'orders chooses its store');
});
