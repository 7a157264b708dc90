// The rehearsal with real processes: a good version is promoted, a bad one (every tenth request fails) is caught by
// the gate from Prometheus data and rolled back, and the stable version never fails a request.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PG_ADMIN_URL } from '../../../test/support/env.ts';
import { loadAnalysis, durationMs } from '../analysis.ts';
import { rehearse } from '../rehearsal.ts';

test('when a good and then a bad version are deployed, then the good one is promoted and the bad one rolled back', async () => {
  const lines: string[] = [];
  const [good, bad] = await rehearse({
    outcomes: ['good', 'errors'],
    adminDatabaseUrl: PG_ADMIN_URL,
    print: (l) => lines.push(l),
  });
  const output = lines.join('\n');
  assert.ok(good && bad, output);
  const profile = loadAnalysis('rehearsal');

  assert.equal(good.verdict, 'Successful', output);
  assert.equal(good.action, 'promoted');
  assert.equal(good.gate.measurements.length, profile.count, 'a good version is promoted only after every measurement');
  assert.ok(good.byTrack.canary.requests >= profile.minRequests, 'the canary took a share of the real traffic');
  assert.equal(good.userFailures, 0, output);

  assert.equal(bad.verdict, 'Failed', output);
  assert.equal(bad.action, 'rolled back');
  assert.ok(bad.gate.measurements.some((m) => m.metrics.some((x) => x.name === 'error-ratio' && x.phase === 'Failed')));
  assert.ok(bad.byTrack.canary.failed > 0, 'the bad version failed requests before it was caught');
  assert.ok(bad.userFailures > 0 && bad.userFailures <= bad.byTrack.canary.failed, output);
  assert.ok(bad.trafficToVerdictMs < durationMs(profile.interval) * (profile.count + 1), output);

  for (const r of [good, bad]) {
    assert.equal(r.byTrack.stable.failed, 0, `the stable version failed no request (${r.outcome})`);
    assert.equal(r.failuresAfter, 0, `no request failed after the ${r.action} (${r.outcome})`);
  }
  assert.match(output, /measurement 1\/\d+: Failed/);
  assert.match(output, /verdict: Failed/);
});
