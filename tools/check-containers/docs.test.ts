import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DOCKERFILE_RULES } from './lib/dockerfile.ts';
import { COMPOSE_RULES } from './lib/compose.ts';
import { diskRepo } from './lib/repo.ts';

/** Rules that are checks rather than entries of a rule list. */
const OBSERVABILITY_RULES = [
  'promtool',
  'amtool',
  'yaml',
  'prometheus-targets',
  'grafana-datasources',
  'otel-collector',
  'alloy',
];

test('when docs/containers.md is read, then it documents every rule the checks report', () => {
  const docs = diskRepo().read('docs/containers.md');
  const ids = [...DOCKERFILE_RULES.map((r) => r.id), ...COMPOSE_RULES.map((r) => r.id), ...OBSERVABILITY_RULES];
  assert.deepEqual(
    ids.filter((id) => !docs.includes(`\`${id}\``)),
    [],
  );
});

test('when observability.ts reports a rule, then it is in the lists above, so the docs check covers it', () => {
  const repo = diskRepo();
  const sources = repo.read('tools/check-containers/lib/observability.ts');
  const reported = new Set(
    [...sources.matchAll(/rule: '([a-z0-9-]+)'|add\('([a-z0-9-]+)'|at\(step, '([a-z0-9-]+)'/g)].map(
      (m) => m[1] ?? m[2] ?? m[3] ?? '',
    ),
  );
  assert.ok(reported.size >= OBSERVABILITY_RULES.length, 'the pattern finds the rules');
  assert.deepEqual([...reported].filter((id) => !OBSERVABILITY_RULES.includes(id)).sort(), []);
});
