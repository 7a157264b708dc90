// One drill: steady state, fault, detection (Alertmanager's notifications), the runbook's first diagnostics, restore,
// recovery and loss checks. Returns everything the report needs; the caller writes it.
import { setTimeout as sleep } from 'node:timers/promises';
import { loadSloFile } from '../../deploy/observability/src/slo.ts';
import { stockInvariant } from '../../test/support/invariant.ts';
import { durationMs } from '../check-observability/lib/prometheus.ts';
import { SERVICES } from '../dev/services.ts';
import type { Notification } from './alertmanager.ts';
import { injectFault, restore, runCommand, type ActiveFault } from './faults.ts';
import { allGood, between, isGood, startProbe, type Probe, type Sample } from './probe.ts';
import type { ExpectedAlert, Scenario } from './scenario.ts';
import { DRILL_FACTOR, startDrillSystem, type DrillSystem } from './system.ts';

export interface TimelineEntry {
  at: number;
  what: string;
}

export interface AlertOutcome {
  expected: ExpectedAlert;
  /** When its first firing notification arrived. */
  firedAt?: number;
  resolvedAt?: number;
}

export interface DiagnosticOutput {
  what: string;
  command: string;
  output: string;
}

export interface BudgetBurn {
  slo: string;
  objective: number;
  bad: number;
  total: number;
  /** Share of the period's error budget this drill used, in percent (time-weighted: bad share x duration). */
  burnedPercent: number;
}

export interface DrillResult {
  scenario: Scenario;
  verdict: 'passed' | 'failed' | 'refused';
  problems: string[];
  startedAt: number;
  faultAt?: number;
  detectedAt?: number;
  restoreAt?: number;
  restoredAt?: number;
  recoveredAt?: number;
  timeline: TimelineEntry[];
  alerts: AlertOutcome[];
  unexpected: { alert: string; labels: Record<string, string>; at: number }[];
  notifications: Notification[];
  diagnostics: DiagnosticOutput[];
  samples: Sample[];
  failed: { order: number; read: number };
  requests: { order: number; read: number };
  budget: BudgetBurn[];
  ordersConfirmed: number;
  ordersMissing: string[];
  pointInTime?: { recoveryPoint: number; newestRestoredOrderAt?: number; lostOrders: number };
  notes: string[];
}

export interface DrillOptions {
  log?: (line: string) => void;
  /** Runs once the system is up, before the steady-state check (a test uses it to break the system first). */
  beforeSteadyState?: (sys: DrillSystem) => Promise<void>;
  steadyStateTimeoutMs?: number;
}

const labelsMatch = (want: Record<string, string> | undefined, got: Record<string, string>) =>
  Object.entries(want ?? {}).every(([k, v]) => got[k] === v);

export async function runDrill(scenario: Scenario, opts: DrillOptions = {}): Promise<DrillResult> {
  const log = opts.log ?? (() => {});
  const timeline: TimelineEntry[] = [];
  const mark = (what: string, at = Date.now()) => {
    timeline.push({ at, what });
    log(`${new Date(at).toISOString()} ${what}`);
    return at;
  };
  const result: DrillResult = {
    scenario,
    verdict: 'failed',
    problems: [],
    startedAt: Date.now(),
    timeline,
    alerts: scenario.expect.map((expected) => ({ expected })),
    unexpected: [],
    notifications: [],
    diagnostics: [],
    samples: [],
    failed: { order: 0, read: 0 },
    requests: { order: 0, read: 0 },
    budget: [],
    ordersConfirmed: 0,
    ordersMissing: [],
    notes: [],
  };
  mark(`drill ${scenario.name} starts: system starting`);
  const sys = await startDrillSystem(log);
  let probe: Probe | undefined;
  let active: ActiveFault | undefined;
  try {
    result.notifications = sys.receiver.notifications;
    probe = startProbe(sys.stack.urls, sys.catalog, sys.customerHeaders);
    const probeStart = mark('system up; steady traffic starts');
    await opts.beforeSteadyState?.(sys);

    // 1. Steady state, or refuse.
    const steady = await steadyState(scenario, sys, probe, probeStart, opts.steadyStateTimeoutMs ?? 45_000);
    if (steady.length) {
      result.verdict = 'refused';
      result.problems.push(...steady.map((p) => `steady state: ${p}`));
      mark(`refused: the system is not in its steady state (${steady.join('; ')})`);
      return result;
    }
    mark('steady state holds');

    // 2. The fault.
    const faultAt = Date.now();
    result.faultAt = faultAt;
    active = await injectFault(scenario.fault, sys);
    const injected = active;
    mark(`fault injected: ${active.notes.join('; ') || scenario.fault.kind}`, faultAt);

    // 3. Detection: Alertmanager's notifications, against each expected alert's deadline.
    const deadline = faultAt + Math.max(0, ...scenario.expect.map((e) => e.withinSeconds)) * 1000;
    const settle = scenario.expect.length ? 0 : 20_000; // with nothing expected, watch a while for anything at all
    while (Date.now() < Math.max(deadline, faultAt + settle)) {
      noteAlerts(result, sys.receiver.notifications, faultAt, mark);
      if (scenario.expect.length && result.alerts.every((a) => a.firedAt !== undefined)) break;
      await sleep(250);
    }
    noteAlerts(result, sys.receiver.notifications, faultAt, mark);
    for (const a of result.alerts) {
      if (a.firedAt === undefined)
        result.problems.push(
          `${a.expected.alert} ${JSON.stringify(a.expected.labels ?? {})} did not fire within ${a.expected.withinSeconds} s`,
        );
      else if (a.firedAt - faultAt > a.expected.withinSeconds * 1000)
        result.problems.push(`${a.expected.alert} fired after its deadline`);
    }
    const fired = result.alerts.map((a) => a.firedAt).filter((t): t is number => t !== undefined);
    if (fired.length) result.detectedAt = Math.min(...fired);

    // 4. The runbook's first diagnostics.
    mark(`diagnostics from docs/runbooks/${scenario.runbook}`);
    for (const d of scenario.diagnostics) {
      const out = await diagnostic(d.command, sys, probe, active);
      result.diagnostics.push({ what: d.what, command: out.command, output: out.output });
    }

    // 5. Restore, recover, check for loss.
    result.restoreAt = mark(`restore: ${scenario.restore.kind}`);
    const restored = await restore(scenario.restore, sys, active);
    result.restoredAt = mark(`restored: ${restored.notes.join('; ')}`);
    active = undefined;
    const recoveredAt = await waitRecovered(probe, result.restoredAt, scenario.verify, faultAt);
    if (recoveredAt === undefined) {
      result.problems.push(`the SLIs did not recover within ${scenario.verify.recoverWithinSeconds} s of the restore`);
      mark('the SLIs did not recover');
    } else {
      result.recoveredAt = mark('SLIs recovered: orders and reads succeed again', recoveredAt);
    }
    if (scenario.verify.probesDuringFault === 'unaffected') {
      const during = between(probe.samples, faultAt, result.restoreAt).filter((s) => !isGood(s));
      if (during.length)
        result.problems.push(
          `${during.length} probe requests failed during the fault (statuses ${[...new Set(during.map((s) => s.status))].join(', ')}), expected none`,
        );
    }
    if (injected.flood) {
      const refused = injected.flood.get(429) ?? 0;
      const all = [...injected.flood.values()].reduce((a, b) => a + b, 0);
      result.notes.push(`the flooding client got ${refused} of ${all} requests refused with 429`);
      if (!refused) result.problems.push('the flood was never refused with 429');
    }
    await verifyNothingLost(result, sys, probe, restored.recoveryPoint, mark);
    // A little longer, so a late notification (a consequence of the restore) is seen too.
    await sleep(3000);
    noteAlerts(result, sys.receiver.notifications, faultAt, mark);
    for (const u of result.unexpected) result.problems.push(`unexpected alert ${u.alert} ${JSON.stringify(u.labels)}`);
    result.verdict = result.problems.length ? 'failed' : 'passed';
    mark(`drill ${result.verdict}`);
    return result;
  } finally {
    if (active) await active.halt().catch(() => {});
    if (probe) {
      await probe.stop();
      result.samples = [...probe.samples];
      summarise(result);
    }
    await sys.stop();
  }
}

async function steadyState(
  scenario: Scenario,
  sys: DrillSystem,
  probe: Probe,
  probeStart: number,
  timeoutMs: number,
): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  let problems: string[] = [];
  // Long enough for every rate window of the rules to have several scrapes before the fault.
  const warmUpUntil = probeStart + 8000;
  while (Date.now() < deadline) {
    problems = [];
    const now = Date.now();
    for (const check of scenario.steadyState) {
      if (check === 'services-ready') {
        const notReady = SERVICES.filter((s) => probe.readiness[s] !== 200);
        if (notReady.length) problems.push(`not ready: ${notReady.join(', ')}`);
        const up = await sys.prometheus.query('up == 1').catch(() => []);
        if (up.length < SERVICES.length + 1) problems.push(`Prometheus scrapes ${up.length} targets up`);
      }
      if (check === 'probes-succeed') {
        if (now < warmUpUntil) problems.push('warming up');
        else if (!allGood(probe.samples, now - 5000, now - 500)) {
          const bad = between(probe.samples, now - 5000, now - 500).filter((s) => !isGood(s));
          problems.push(`probe requests failing (${bad.length} in 5 s, e.g. ${bad[0]?.sli} ${bad[0]?.status})`);
        }
      }
      if (check === 'no-alerts') {
        const firing = await sys.prometheus.firing().catch(() => []);
        if (firing.length) problems.push(`alerts firing: ${firing.map((a) => a.metric.alertname).join(', ')}`);
      }
      if (check === 'cache-up') {
        const up = await sys.prometheus.query('cache_up == 1').catch(() => []);
        if (up.length < 2) problems.push('the caches of users and products are not both up');
      }
      if (check === 'stock-invariant') {
        const broken = await invariantProblems(sys);
        if (broken.length) problems.push(`stock invariant: ${broken[0]}`);
      }
    }
    if (!problems.length) return [];
    await sleep(1000);
  }
  return problems;
}

async function invariantProblems(sys: DrillSystem): Promise<string[]> {
  const db = { url: sys.databaseUrl(), name: 'shipshape', query: sys.sql, drop: async () => {} };
  const rows = await stockInvariant(db, sys.initialStock);
  return rows
    .filter((r) => r.stock + r.held !== r.initial)
    .map((r) => `product ${r.productId}: stock ${r.stock} + held ${r.held} != initial ${r.initial}`);
}

function noteAlerts(
  result: DrillResult,
  notifications: Notification[],
  faultAt: number,
  mark: (what: string, at?: number) => number,
): void {
  const s = result.scenario;
  for (const n of notifications) {
    for (const a of n.alerts) {
      const name = a.labels.alertname ?? '?';
      if (a.status === 'firing') {
        for (const o of result.alerts) {
          if (o.firedAt === undefined && o.expected.alert === name && labelsMatch(o.expected.labels, a.labels)) {
            o.firedAt = n.at;
            mark(
              `notified (${n.receiver}): ${name} ${JSON.stringify(pick(a.labels))} (T+${secs(n.at - faultAt)})`,
              n.at,
            );
          }
        }
        const known = s.expect.some((e) => e.alert === name) || s.tolerate.includes(name);
        const key = JSON.stringify(a.labels);
        if (!known && !result.unexpected.some((u) => JSON.stringify(u.labels) === key)) {
          result.unexpected.push({ alert: name, labels: a.labels, at: n.at });
          mark(`UNEXPECTED notification (${n.receiver}): ${name} ${JSON.stringify(pick(a.labels))}`, n.at);
        }
      } else {
        for (const o of result.alerts) {
          if (
            o.firedAt !== undefined &&
            o.resolvedAt === undefined &&
            o.expected.alert === name &&
            labelsMatch(o.expected.labels, a.labels)
          ) {
            o.resolvedAt = n.at;
            mark(`resolved (${n.receiver}): ${name} ${JSON.stringify(pick(a.labels))}`, n.at);
          }
        }
      }
    }
  }
}

const pick = (labels: Record<string, string>) =>
  Object.fromEntries(
    Object.entries(labels).filter(([k]) =>
      ['service', 'severity', 'instance', 'container', 'target', 'slo'].includes(k),
    ),
  );
export const secs = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

async function diagnostic(
  command: string[],
  sys: DrillSystem,
  probe: Probe,
  active: ActiveFault,
): Promise<{ command: string; output: string }> {
  const fill = (arg: string) =>
    arg
      .replaceAll('{prometheus}', sys.prometheus.url)
      .replaceAll('{alertmanager}', sys.alertmanager.url)
      .replaceAll('{database}', sys.databaseUrl())
      .replaceAll('{redisPort}', String(sys.redis.port));
  const [verb, ...args] = command;
  const shown = command.map(fill).join(' ').replace(sys.password, '***');
  if (verb === 'readiness')
    return {
      command: 'curl -s <service>/ready (each service)',
      output: SERVICES.map((s) => `${s}: ${probe.readiness[s] || 'no answer'}`).join('\n'),
    };
  if (verb === 'logs') {
    const lines =
      args[0] === 'canary' ? (active.canary?.logs ?? []) : (sys.stack.logs[args[0] as (typeof SERVICES)[number]] ?? []);
    return { command: `logs of ${args[0]} (warnings and errors, newest last)`, output: lines.slice(-8).join('\n') };
  }
  if (verb === 'toxics')
    return {
      command: `toxics on ${args[0]}`,
      output: JSON.stringify(sys.proxies[args[0] as 'orders-to-products'].toxics()),
    };
  if (verb === 'postgres-log') {
    const re = new RegExp(args[0] ?? '.');
    return {
      command: `grep -E '${args[0]}' postgresql.log`,
      output: sys.pg
        .log()
        .split('\n')
        .filter((l) => re.test(l))
        .slice(-5)
        .join('\n'),
    };
  }
  const out = await runCommand(command.map(fill));
  return { command: shown, output: out.output.trim().slice(0, 4000).replace(sys.password, '***') };
}

/** When the probes succeed again after the restore (for `stableSeconds` in a row), or undefined after the deadline. */
async function waitRecovered(
  probe: Probe,
  restoreAt: number,
  v: Scenario['verify'],
  faultAt: number,
): Promise<number | undefined> {
  const deadline = restoreAt + v.recoverWithinSeconds * 1000;
  const stable = v.stableSeconds * 1000;
  while (Date.now() < deadline + stable) {
    const now = Date.now();
    const from = now - 500 - stable;
    if (from >= restoreAt && allGood(probe.samples, from, now - 500)) {
      // Recovered when the last failure after the fault ended, and not before the restore was done.
      const ends = probe.samples.filter((s) => s.at >= faultAt && !isGood(s)).map((s) => s.at + s.ms);
      return Math.max(restoreAt, ...ends);
    }
    await sleep(250);
  }
  return undefined;
}

async function verifyNothingLost(
  result: DrillResult,
  sys: DrillSystem,
  probe: Probe,
  recoveryPoint: Date | undefined,
  mark: (what: string, at?: number) => number,
): Promise<void> {
  const confirmed = [...probe.confirmed];
  result.ordersConfirmed = confirmed.length;
  const required =
    result.scenario.verify.orders === 'all' || !recoveryPoint
      ? confirmed
      : confirmed.filter((o) => o.at < recoveryPoint.getTime());
  const present = await sys.sql<{ id: string }>('SELECT id FROM orders.orders WHERE id = ANY($1::uuid[])', [
    confirmed.map((o) => o.id),
  ]);
  const there = new Set(present.rows.map((r) => r.id));
  result.ordersMissing = required.filter((o) => !there.has(o.id)).map((o) => o.id);
  if (result.ordersMissing.length)
    result.problems.push(`${result.ordersMissing.length} confirmed orders are missing after recovery`);
  if (recoveryPoint) {
    const newest = await sys.sql<{ at: Date | null }>(
      'SELECT max(created_at) AS at FROM orders.orders WHERE created_at < $1',
      [recoveryPoint],
    );
    const lost = confirmed.filter((o) => o.at < (result.faultAt ?? 0) && !there.has(o.id)).length;
    result.pointInTime = {
      recoveryPoint: recoveryPoint.getTime(),
      newestRestoredOrderAt: newest.rows[0]?.at?.getTime(),
      lostOrders: lost,
    };
  }
  mark(
    `orders: ${confirmed.length} confirmed, ${required.length - result.ordersMissing.length}/${required.length} required present`,
  );
  // Stock held by an order that never got recorded is released by the reconciler: give it time, then judge.
  let broken: string[] = [];
  const until = Date.now() + 30_000;
  do {
    broken = await invariantProblems(sys).catch((err: Error) => [err.message]);
    if (!broken.length) break;
    await sleep(1000);
  } while (Date.now() < until);
  if (broken.length) result.problems.push(`stock invariant broken: ${broken.join('; ')}`);
  else mark('stock invariant holds');
}

function summarise(result: DrillResult): void {
  const from = result.faultAt ?? result.startedAt;
  const to = result.recoveredAt ?? result.restoredAt ?? Date.now();
  for (const sli of ['order', 'read'] as const) {
    const all = result.samples.filter((s) => s.sli === sli);
    result.requests[sli] = all.length;
    result.failed[sli] = all.filter((s) => !isGood(s)).length;
  }
  if (result.faultAt === undefined) return;
  const slos = loadSloFile();
  const periodMs = durationMs(slos.period);
  for (const slo of slos.slos) {
    // The steady traffic measures orders (POST /orders) and catalog reads; SLOs of other services are not scored.
    const sli = /service="orders"/.test(slo.sli.selector)
      ? 'order'
      : /service="products"/.test(slo.sli.selector)
        ? 'read'
        : undefined;
    if (!sli) continue;
    const window = between(result.samples, from, to).filter((s) => s.sli === sli);
    // As the SLO rules count them: a latency SLI's bad requests are the slow ones, an availability SLI's the failed.
    const bad = window.filter((s) =>
      slo.sli.kind === 'latency' ? s.ms > slo.sli.thresholdSeconds * 1000 : s.status >= 500 || s.status === 0,
    ).length;
    const share = window.length ? bad / window.length : 0;
    const budgetMs = periodMs * (1 - slo.objective);
    result.budget.push({
      slo: slo.name,
      objective: slo.objective,
      bad,
      total: window.length,
      burnedPercent: (100 * share * (to - from)) / budgetMs,
    });
  }
}

export { DRILL_FACTOR };
