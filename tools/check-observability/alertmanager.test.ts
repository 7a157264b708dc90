// Alertmanager: amtool accepts the config, and alerts route by severity.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { requireBinary, run } from './lib/binaries.ts';
import { ALERTMANAGER_CONFIG } from './lib/paths.ts';

async function routeOf(labels: string[]): Promise<string> {
  const r = await run(requireBinary('amtool'), [
    'config',
    'routes',
    'test',
    `--config.file=${ALERTMANAGER_CONFIG}`,
    ...labels,
  ]);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.trim();
}

test('when amtool checks the Alertmanager config, then it is valid', async () => {
  const r = await run(requireBinary('amtool'), ['check-config', ALERTMANAGER_CONFIG]);
  assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /SUCCESS/);
});

test('when a critical alert is routed, then it pages', async () => {
  assert.equal(await routeOf(['alertname=ShipshapeTargetDown', 'severity=critical', 'service=orders']), 'page');
});

test('when a warning is routed, then it opens a ticket', async () => {
  assert.equal(await routeOf(['alertname=ShipshapeCacheDegraded', 'severity=warning', 'service=products']), 'ticket');
});

test('when an alert has no severity, then it still reaches the ticket receiver', async () => {
  assert.equal(await routeOf(['alertname=Unlabelled']), 'ticket');
});
