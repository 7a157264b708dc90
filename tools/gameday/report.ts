// A drill's report: timeline, time to detect and to recover, requests failed, error budget burned, the runbook's
// diagnostics as run, a chart of the SLIs with the alert times marked (Vega-Lite rendered to SVG), and a postmortem
// draft from docs/postmortems/TEMPLATE.md with the timeline filled in.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { REPO } from '../check-observability/lib/paths.ts';
import { isGood } from './probe.ts';
import { secs, type DrillResult } from './drill.ts';

export const TEMPLATE = join(REPO, 'docs', 'postmortems', 'TEMPLATE.md');

const time = (ms: number) => new Date(ms).toISOString().slice(11, 23);
const opt = (ms: number | undefined, from: number | undefined) =>
  ms === undefined || from === undefined ? 'n/a' : secs(ms - from);

export interface Figures {
  timeToDetect: string;
  timeToRecover: string;
}

export function figures(r: DrillResult): Figures {
  return { timeToDetect: opt(r.detectedAt, r.faultAt), timeToRecover: opt(r.recoveredAt, r.faultAt) };
}

export function timelineTable(r: DrillResult): string {
  const t0 = r.faultAt ?? r.startedAt;
  const rows = [...r.timeline]
    .sort((a, b) => a.at - b.at)
    .map(
      (e) =>
        `| ${time(e.at)} | ${e.at >= t0 ? '+' : '-'}${secs(Math.abs(e.at - t0))} | ${e.what.replaceAll('|', '\\|')} |`,
    );
  return ['| time (UTC) | T | event |', '| --- | --- | --- |', ...rows].join('\n');
}

export function figuresTable(r: DrillResult): string {
  const f = figures(r);
  const rows = [
    ['verdict', r.verdict],
    ['time to detect (fault → first expected notification)', f.timeToDetect],
    ['time to recover (fault → SLIs good again)', f.timeToRecover],
    ['restore took', opt(r.restoredAt, r.restoreAt)],
    [
      'requests failed (whole drill)',
      `orders ${r.failed.order} of ${r.requests.order}, reads ${r.failed.read} of ${r.requests.read}`,
    ],
    ['confirmed orders', `${r.ordersConfirmed}, missing after recovery: ${r.ordersMissing.length}`],
    ...r.budget.map((b) => [
      `error budget burned: ${b.slo} (${(b.objective * 100).toFixed(1)}%)`,
      `${b.burnedPercent.toFixed(3)}% of the 30-day budget (${b.bad} bad of ${b.total})`,
    ]),
  ];
  if (r.pointInTime) {
    const p = r.pointInTime;
    rows.push(
      ['recovery point', `${new Date(p.recoveryPoint).toISOString()} (the destructive statement, exclusive)`],
      [
        'RPO',
        `${p.lostOrders} confirmed orders lost; newest restored order ${p.newestRestoredOrderAt ? secs(p.recoveryPoint - p.newestRestoredOrderAt) : 'n/a'} before the statement`,
      ],
      ['RTO (fault → SLIs good again)', f.timeToRecover],
    );
  }
  return ['| figure | value |', '| --- | --- |', ...rows.map(([k, v]) => `| ${k} | ${v} |`)].join('\n');
}

export function alertsTable(r: DrillResult): string {
  const rows = r.alerts.map(
    (a) =>
      `| ${a.expected.alert} ${JSON.stringify(a.expected.labels ?? {})} | ${a.expected.withinSeconds} s | ${opt(a.firedAt, r.faultAt)} | ${opt(a.resolvedAt, r.faultAt)} |`,
  );
  for (const u of r.unexpected)
    rows.push(
      `| **unexpected** ${u.alert} ${JSON.stringify({ service: u.labels.service })} | - | ${opt(u.at, r.faultAt)} | |`,
    );
  return ['| alert | deadline | notified at | resolved at |', '| --- | --- | --- | --- |', ...rows].join('\n');
}

/** The SLIs per second over the drill (share of good orders and reads, order p95), with the events as rules. */
export async function chartSvg(r: DrillResult): Promise<string> {
  const t0 = r.faultAt ?? r.startedAt;
  const buckets = new Map<string, { good: number; total: number; ms: number[] }>();
  for (const s of r.samples) {
    const sec = Math.floor((s.at - t0) / 1000);
    const key = `${s.sli}:${sec}`;
    const b = buckets.get(key) ?? { good: 0, total: 0, ms: [] };
    b.total += 1;
    if (isGood(s)) b.good += 1;
    b.ms.push(s.ms);
    buckets.set(key, b);
  }
  const series: { t: number; sli: string; value: number }[] = [];
  for (const [key, b] of buckets) {
    const [sli, sec] = key.split(':');
    series.push({
      t: Number(sec),
      sli: sli === 'order' ? 'orders succeeding (%)' : 'reads succeeding (%)',
      value: (100 * b.good) / b.total,
    });
    if (sli === 'order') {
      const sorted = [...b.ms].sort((x, y) => x - y);
      const p95 = sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.95))] ?? 0;
      series.push({ t: Number(sec), sli: 'order p95 latency (s, right axis)', value: p95 / 1000 });
    }
  }
  const events = [
    { t: 0, what: 'fault' },
    ...r.alerts
      .filter((a) => a.firedAt !== undefined)
      .map((a) => ({ t: ((a.firedAt ?? 0) - t0) / 1000, what: a.expected.alert.replace('Shipshape', '') })),
    ...r.unexpected.map((u) => ({ t: (u.at - t0) / 1000, what: `unexpected ${u.alert.replace('Shipshape', '')}` })),
    ...(r.restoreAt ? [{ t: (r.restoreAt - t0) / 1000, what: 'restore' }] : []),
    ...(r.recoveredAt ? [{ t: (r.recoveredAt - t0) / 1000, what: 'recovered' }] : []),
  ];
  const spec: TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: `${r.scenario.name}: SLIs over the drill (T = seconds since the fault)`,
    width: 760,
    height: 300,
    layer: [
      {
        data: { values: series.filter((s) => !s.sli.startsWith('order p95')) },
        mark: { type: 'line', interpolate: 'step-after' },
        encoding: {
          x: { field: 't', type: 'quantitative', title: 'T (s)' },
          y: { field: 'value', type: 'quantitative', title: 'success (%)', scale: { domain: [0, 100] } },
          color: { field: 'sli', type: 'nominal', title: null, legend: { labelLimit: 300, orient: 'bottom' } },
        },
      },
      {
        data: { values: series.filter((s) => s.sli.startsWith('order p95')) },
        mark: { type: 'line', strokeDash: [4, 3], color: '#888' },
        encoding: {
          x: { field: 't', type: 'quantitative' },
          y: { field: 'value', type: 'quantitative', title: 'order p95 (s)', axis: { orient: 'right' } },
        },
      },
      {
        data: { values: events },
        mark: { type: 'rule', color: '#c0392b', strokeDash: [2, 2] },
        encoding: { x: { field: 't', type: 'quantitative' } },
      },
      {
        data: { values: events.map((e, i) => ({ ...e, y: 96 - (i % 5) * 9 })) },
        mark: { type: 'text', align: 'left', dx: 3, fontSize: 10, color: '#c0392b' },
        encoding: {
          x: { field: 't', type: 'quantitative' },
          y: { field: 'y', type: 'quantitative' },
          text: { field: 'what' },
        },
      },
    ],
    resolve: { scale: { y: 'independent' } },
  };
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

function diagnosticsSection(r: DrillResult): string {
  return r.diagnostics
    .map((d) => `#### ${d.what}\n\n\`\`\`\n$ ${d.command}\n${d.output || '(no output)'}\n\`\`\``)
    .join('\n\n');
}

export function reportMarkdown(r: DrillResult): string {
  const s = r.scenario;
  return `# Game day: ${s.title}

Scenario \`${s.name}\`, run ${new Date(r.startedAt).toISOString()}. **${r.verdict.toUpperCase()}**${r.problems.length ? `: ${r.problems.join('; ')}` : ''}

Hypothesis: ${s.hypothesis}

Runbook exercised: [docs/runbooks/${s.runbook}](../../docs/runbooks/${s.runbook})

![SLIs over the drill](chart.svg)

## Figures

${figuresTable(r)}

## Alerts

${alertsTable(r)}

## Timeline

${timelineTable(r)}

## Diagnostics (run at detection, as the runbook says)

${diagnosticsSection(r)}
${r.notes.length ? `\n## Notes\n\n${r.notes.map((n) => `- ${n}`).join('\n')}\n` : ''}`;
}

export function postmortemDraft(r: DrillResult, template = readFileSync(TEMPLATE, 'utf8')): string {
  const s = r.scenario;
  const f = figures(r);
  const fired = r.alerts.filter((a) => a.firedAt !== undefined).map((a) => a.expected.alert);
  const missed = r.alerts.filter((a) => a.firedAt === undefined).map((a) => a.expected.alert);
  const values: Record<string, string> = {
    title: s.title,
    date: new Date(r.startedAt).toISOString().slice(0, 10),
    severity: s.expect.some((e) => e.alert.includes('BudgetBurn') || e.alert.includes('TargetDown'))
      ? 'SEV-2'
      : 'SEV-3',
    authors: '_(on-call of the drill)_',
    incident: `game day drill \`${s.name}\``,
    summary: `${s.hypothesis} _(Drill: the fault was injected on purpose; edit this into what actually happened.)_`,
    impact: `Between T+0 and recovery (${f.timeToRecover}), ${r.failed.order} of ${r.requests.order} orders and ${r.failed.read} of ${r.requests.read} reads of the steady traffic failed. Error budget burned: ${r.budget.map((b) => `${b.slo} ${b.burnedPercent.toFixed(3)}%`).join(', ') || 'n/a'}. Confirmed orders missing afterwards: ${r.ordersMissing.length}.`,
    detection: `Time to detect: ${f.timeToDetect} (first expected notification from Alertmanager). Fired: ${fired.join(', ') || 'none'}.${missed.length ? ` Did not fire in time: ${missed.join(', ')}.` : ''}${r.unexpected.length ? ` Unexpected: ${r.unexpected.map((u) => u.alert).join(', ')}.` : ''}`,
    timeline: timelineTable(r),
    rootCause: `_(To write.)_ Injected fault: \`${JSON.stringify(s.fault)}\`.`,
    resolution: `Restore: \`${s.restore.kind}\`. Time to recover: ${f.timeToRecover}.${r.pointInTime ? ` RPO: ${r.pointInTime.lostOrders} confirmed orders lost.` : ''}`,
    wentWell: fired.length ? `- ${fired.join(', ')} notified within their deadlines.` : '- _(to write)_',
    wentWrong: r.problems.length ? r.problems.map((p) => `- ${p}`).join('\n') : '- _(to write)_',
    lucky: '- _(to write)_',
    actions: '| _(to write)_ | | | |',
    material: `Drill report and chart next to this draft; runbook [docs/runbooks/${s.runbook}](../runbooks/${s.runbook}).`,
  };
  return template.replace(/\{\{(\w+)\}\}/g, (_, k: string) => values[k] ?? `{{${k}}}`);
}

/** Writes report.md, chart.svg, postmortem-draft.md and result.json into `dir`. */
export async function writeReport(r: DrillResult, dir: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'chart.svg'), await chartSvg(r));
  writeFileSync(join(dir, 'report.md'), reportMarkdown(r));
  writeFileSync(join(dir, 'postmortem-draft.md'), postmortemDraft(r));
  const { samples, ...rest } = r;
  writeFileSync(join(dir, 'result.json'), JSON.stringify({ ...rest, samples: samples.length }, null, 2));
}
