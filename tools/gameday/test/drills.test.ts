// End to end: three drills against a system of their own, each with a real fault, and the steady-state refusal. A
// drill that does not get its alerts from Alertmanager in time, gets an unexpected one, or does not recover, fails.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runDrill, type DrillResult } from '../drill.ts';
import { scenarioNamed } from '../scenarios.ts';

const lines: string[] = [];
const log = (l: string) => lines.push(l);

async function drill(name: string): Promise<DrillResult> {
  const scenario = scenarioNamed(name);
  assert.ok(scenario, name);
  lines.length = 0;
  return runDrill(scenario, { log });
}

function assertPassed(r: DrillResult): void {
  assert.equal(r.verdict, 'passed', `${r.problems.join('\n')}\n${lines.join('\n')}`);
  for (const a of r.alerts) assert.ok(a.firedAt !== undefined && r.faultAt !== undefined, `${a.expected.alert} fired`);
  assert.deepEqual(r.unexpected, []);
  assert.deepEqual(r.ordersMissing, []);
  assert.ok(r.ordersConfirmed > 0, 'the steady traffic confirmed orders');
  assert.ok(r.recoveredAt !== undefined);
}

test('when the products service is killed, then ShipshapeTargetDown pages for it and the system recovers once it is started', async () => {
  const r = await drill('service-killed');
  assertPassed(r);
  assert.ok(r.failed.order > 0, 'orders failed while products was down');
  assert.ok(
    r.diagnostics.some((d) => d.output.includes('"service":"products"')),
    'the diagnostics show the target down',
  );
});

test('when Redis stops, then ShipshapeCacheDegraded opens a ticket for users and products and no request fails', async () => {
  const r = await drill('redis-stopped');
  assertPassed(r);
  assert.deepEqual(
    r.alerts.map((a) => a.expected.labels?.service),
    ['products', 'users'],
  );
});

test("when PostgreSQL keeps terminating the services' connections, then ShipshapeDatabaseConnectionErrors pages and the pools recover", async () => {
  const r = await drill('postgres-connections-killed');
  assertPassed(r);
  assert.ok(r.detectedAt !== undefined && r.faultAt !== undefined && r.detectedAt > r.faultAt);
});

test('when a service is already down before the drill, then the drill refuses to start', async () => {
  const scenario = scenarioNamed('service-killed');
  assert.ok(scenario);
  const r = await runDrill(scenario, {
    log,
    steadyStateTimeoutMs: 12_000,
    beforeSteadyState: async (sys) => {
      await sys.stack.stopService('users');
    },
  });
  assert.equal(r.verdict, 'refused');
  assert.equal(r.faultAt, undefined, 'no fault was injected');
  assert.match(r.problems.join('\n'), /not ready: users/);
});

test('when a drill expects an alert that does not come and gets one it did not expect, then it fails and says both', async () => {
  const real = scenarioNamed('redis-stopped');
  assert.ok(real);
  // The same fault, with the wrong expectation: a products target down (it stays up) and no word of the cache.
  const wrong = {
    ...real,
    name: 'redis-stopped-misjudged',
    expect: [{ alert: 'ShipshapeTargetDown', labels: { service: 'products' }, withinSeconds: 15 }],
    tolerate: [],
  };
  lines.length = 0;
  const r = await runDrill(wrong, { log });
  assert.equal(r.verdict, 'failed', lines.join('\n'));
  assert.match(r.problems.join('\n'), /ShipshapeTargetDown \{"service":"products"\} did not fire within 15 s/);
  assert.match(r.problems.join('\n'), /unexpected alert ShipshapeCacheDegraded/);
  assert.ok(r.recoveredAt !== undefined, 'it still restored the system');
});
