// The drill's parts on their own: the fault proxy's toxics on a real TCP echo of HTTP, the drill profile derived from
// the real rules and routing (checked by promtool and amtool), and the report's chart and postmortem draft.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { parse, stringify } from 'yaml';
import { RULE_FILES } from '../../../deploy/observability/src/render.ts';
import type { RuleFile } from '../../../deploy/observability/src/rule-types.ts';
import { requireBinary, run } from '../../check-observability/lib/binaries.ts';
import { OBS } from '../../check-observability/lib/paths.ts';
import { durationMs, withScaledFor } from '../../check-observability/lib/prometheus.ts';
import { drillAlertmanagerConfig } from '../alertmanager.ts';
import type { DrillResult } from '../drill.ts';
import { startFaultProxy } from '../fault-proxy.ts';
import { chartSvg, postmortemDraft, reportMarkdown } from '../report.ts';
import { SCENARIOS } from '../scenarios.ts';

const dir = mkdtempSync(join(tmpdir(), 'shipshape-gameday-parts-'));
let upstream: Server | undefined;
after(async () => {
  rmSync(dir, { recursive: true, force: true });
  await new Promise<void>((r) => (upstream ? upstream.close(() => r()) : r()));
});

async function upstreamAddress(): Promise<string> {
  upstream ??= createServer((req, res) => res.end(`hello ${req.url}`));
  if (!upstream.listening) await new Promise<void>((r) => upstream?.listen(0, '127.0.0.1', () => r()));
  const a = upstream.address();
  return `127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
}

const get = async (url: string, timeoutMs = 3000) => {
  const started = performance.now();
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), headers: { connection: 'close' } });
    return { body: await res.text(), ms: performance.now() - started };
  } catch (err) {
    return { error: String((err as Error).cause ?? (err as Error).name), ms: performance.now() - started };
  }
};

test('when no toxic is set, then the proxy forwards; with latency, answers are that much slower', async () => {
  const proxy = await startFaultProxy('t', await upstreamAddress());
  try {
    const plain = await get(`${proxy.url}/a`);
    assert.equal(plain.body, 'hello /a');
    proxy.addToxic({ type: 'latency', attributes: { latency: 400 } });
    const slow = await get(`${proxy.url}/b`);
    assert.equal(slow.body, 'hello /b');
    assert.ok(slow.ms >= 390, `took ${slow.ms} ms`);
    proxy.removeToxics();
    assert.ok((await get(`${proxy.url}/c`)).ms < 390);
  } finally {
    await proxy.close();
  }
});

test('when a timeout toxic with 0 is set, then the connection is a blackhole: nothing comes back', async () => {
  const proxy = await startFaultProxy('t', await upstreamAddress());
  try {
    proxy.addToxic({ type: 'timeout', attributes: { timeout: 0 } });
    const r = await get(`${proxy.url}/x`, 700);
    assert.equal(r.body, undefined);
    assert.match(r.error ?? '', /TimeoutError/);
  } finally {
    await proxy.close();
  }
});

test('when a reset_peer toxic is set, then the client sees its connection reset', async () => {
  const proxy = await startFaultProxy('t', await upstreamAddress());
  try {
    proxy.addToxic({ type: 'reset_peer', attributes: { timeout: 0 } });
    const r = await get(`${proxy.url}/x`);
    assert.equal(r.body, undefined);
    assert.match(r.error ?? '', /ECONNRESET|other side closed|SocketError/);
  } finally {
    await proxy.close();
  }
});

test('when a toxic has toxicity 0, then it never applies', async () => {
  const proxy = await startFaultProxy('t', await upstreamAddress());
  try {
    proxy.addToxic({ type: 'reset_peer', toxicity: 0, attributes: { timeout: 0 } });
    assert.equal((await get(`${proxy.url}/y`)).body, 'hello /y');
  } finally {
    await proxy.close();
  }
});

test("when the drill profile is derived, then only the alerts' for: shrink (by 60), and promtool accepts the result", async () => {
  for (const f of Object.values(RULE_FILES)) {
    const real = parse(readFileSync(join(OBS, f), 'utf8')) as RuleFile;
    const drillFile = withScaledFor(join(OBS, f), dir, 60);
    const drill = parse(readFileSync(drillFile, 'utf8')) as RuleFile;
    for (const [gi, g] of real.groups.entries()) {
      for (const [ri, r] of g.rules.entries()) {
        const d = drill.groups[gi]?.rules[ri];
        assert.ok(d);
        if ('alert' in r && 'alert' in d) {
          assert.equal(durationMs(d.for), durationMs(r.for) / 60, `${r.alert}: for ${r.for} -> ${d.for}`);
          assert.deepEqual({ ...d, for: r.for }, r, `${r.alert}: nothing but for changes`);
        } else assert.deepEqual(d, r);
      }
    }
    const check = await run(requireBinary('promtool'), ['check', 'rules', drillFile]);
    assert.equal(check.code, 0, check.stderr);
  }
});

test('when the drill routing is derived, then it keeps the real routes and inhibitions, and amtool accepts it', async () => {
  const config = drillAlertmanagerConfig(60, 'http://127.0.0.1:9999') as {
    route: { group_wait: string; routes: { receiver: string; group_wait?: string }[] };
    inhibit_rules: unknown[];
    receivers: { name: string; webhook_configs: { url: string }[] }[];
  };
  const real = parse(readFileSync(join(OBS, 'alertmanager', 'alertmanager.yml'), 'utf8')) as {
    inhibit_rules: unknown[];
    receivers: { name: string }[];
  };
  assert.deepEqual(config.inhibit_rules, real.inhibit_rules);
  assert.deepEqual(
    config.receivers.map((r) => [r.name, r.webhook_configs[0]?.url]),
    real.receivers.map((r) => [r.name, `http://127.0.0.1:9999/alerts/${r.name}`]),
  );
  assert.equal(config.route.group_wait, '500ms');
  assert.equal(config.route.routes.find((r) => r.receiver === 'page')?.group_wait, '167ms');
  const file = join(dir, 'alertmanager.yml');
  writeFileSync(file, stringify(config));
  const check = await run(requireBinary('amtool'), ['check-config', file]);
  assert.equal(check.code, 0, `${check.stdout}${check.stderr}`);
  const route = await run(requireBinary('amtool'), [
    'config',
    'routes',
    'test',
    `--config.file=${file}`,
    'severity=critical',
    'alertname=ShipshapeTargetDown',
  ]);
  assert.equal(route.stdout.trim(), 'page');
});

test('when the scenarios are listed, then there are at least nine, each expecting real alerts that have runbooks', () => {
  assert.ok(SCENARIOS.length >= 9);
  assert.equal(new Set(SCENARIOS.map((s) => s.name)).size, SCENARIOS.length);
  const alerts = new Set(
    Object.values(RULE_FILES).flatMap((f) =>
      (parse(readFileSync(join(OBS, f), 'utf8')) as RuleFile).groups.flatMap((g) =>
        g.rules.flatMap((r) => ('alert' in r ? [r.alert] : [])),
      ),
    ),
  );
  for (const s of SCENARIOS) {
    for (const name of [...s.expect.map((e) => e.alert), ...s.tolerate])
      assert.ok(alerts.has(name), `${s.name}: ${name}`);
    readFileSync(join(OBS, '..', '..', 'docs', 'runbooks', s.runbook), 'utf8');
  }
});

test('when a report is written, then the chart is an SVG with the alert marked and the postmortem draft has no placeholder left', async () => {
  const scenario = SCENARIOS[0];
  assert.ok(scenario);
  const t0 = Date.parse('2026-01-01T10:00:00Z');
  const r: DrillResult = {
    scenario,
    verdict: 'passed',
    problems: [],
    startedAt: t0 - 20_000,
    faultAt: t0,
    detectedAt: t0 + 3000,
    restoreAt: t0 + 4000,
    restoredAt: t0 + 6000,
    recoveredAt: t0 + 9000,
    timeline: [{ at: t0, what: 'fault injected' }],
    alerts: [{ expected: scenario.expect[0] ?? { alert: 'x', withinSeconds: 1 }, firedAt: t0 + 3000 }],
    unexpected: [],
    notifications: [],
    diagnostics: [{ what: 'readiness', command: 'curl', output: 'products: no answer' }],
    samples: Array.from({ length: 40 }, (_, i) => ({
      at: t0 - 10_000 + i * 500,
      sli: i % 2 ? ('order' as const) : ('read' as const),
      status: i > 20 && i < 30 ? 503 : 200,
      ms: 20,
    })),
    failed: { order: 4, read: 5 },
    requests: { order: 20, read: 20 },
    budget: [{ slo: 'order-creation-availability', objective: 0.995, bad: 4, total: 10, burnedPercent: 0.01 }],
    ordersConfirmed: 16,
    ordersMissing: [],
    notes: [],
  };
  const svg = await chartSvg(r);
  assert.match(svg, /^<svg/);
  assert.match(svg, /TargetDown/);
  assert.match(svg, /recovered/);
  const draft = postmortemDraft(r);
  assert.doesNotMatch(draft, /\{\{\w+\}\}/);
  assert.match(draft, /fault injected/);
  assert.match(draft, /Time to detect: 3\.0 s/);
  assert.match(reportMarkdown(r), /\| time to recover \(fault → SLIs good again\) \| 9\.0 s \|/);
});
