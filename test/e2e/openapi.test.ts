// The OpenAPI documents committed in services/<name>/openapi.json are the ones the routes produce, and list the error
// responses each operation can give, as RFC 9457 problems.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ProblemSchema } from '@shipshape/platform/schemas';
import { DOCUMENTED, documentPath, generate } from '../../tools/docs/openapi.ts';

interface Doc {
  paths: Record<
    string,
    Record<string, { responses: Record<string, { content?: Record<string, { schema?: unknown }> }> }>
  >;
  components: { schemas: Record<string, { properties?: Record<string, unknown> }> };
}

for (const service of DOCUMENTED) {
  test(`when ${service.name}'s document is generated, then the committed ${service.dir}/openapi.json is current`, async () => {
    assert.equal(readFileSync(documentPath(service), 'utf8'), await generate(service), 'run npm run docs:openapi');
  });

  if (service.errors !== 'problem') continue;
  test(`when ${service.name}'s document is read, then every operation lists its errors as problems`, () => {
    const doc = JSON.parse(readFileSync(documentPath(service), 'utf8')) as Doc;
    assert.deepEqual(
      Object.keys(doc.components.schemas.Problem?.properties ?? {}),
      Object.keys(ProblemSchema.properties),
    );
    const problem = { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } };
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        const expected = ['500', '503', ...(path.includes('{') ? ['404'] : [])];
        for (const status of expected) {
          assert.deepEqual(op.responses[status]?.content, problem, `${method.toUpperCase()} ${path} ${status}`);
        }
      }
    }
  });
}
