// Reads the SLO declarations (deploy/observability/slo.yaml) and turns them into SLI recording rules and
// multi-window, multi-burn-rate alerts.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { LATENCY_BUCKETS, DASHBOARD_UIDS, dashboardPath, runbookUrl } from './conventions.ts';
import type { AlertRule, RecordingRule, RuleFile, Severity } from './rule-types.ts';

export interface BurnCondition {
  factor: number;
  longWindow: string;
  shortWindow: string;
}

export interface BurnRateAlert {
  severity: Severity;
  for: string;
  conditions: BurnCondition[];
}

export type Sli =
  | { kind: 'availability'; selector: string }
  | { kind: 'latency'; selector: string; thresholdSeconds: number };

export interface Slo {
  name: string;
  alert: string;
  description: string;
  objective: number;
  sli: Sli;
}

export interface SloFile {
  period: string;
  burnRateAlerts: BurnRateAlert[];
  slos: Slo[];
}

export const SLO_FILE = new URL('../slo.yaml', import.meta.url);

const DURATION = /^[0-9]+(ms|s|m|h|d|w|y)$/;
const COUNT = 'http_server_request_duration_seconds_count';
const BUCKET = 'http_server_request_duration_seconds_bucket';

class SloError extends Error {
  override name = 'SloError';
}

function need<T>(ok: boolean, value: T, what: string): T {
  if (!ok) throw new SloError(`slo.yaml: ${what}`);
  return value;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (o: Record<string, unknown>, key: string, where: string): string => {
  const v = o[key];
  return need(typeof v === 'string' && v.length > 0, v as string, `${where}.${key} must be a non-empty string`);
};
const num = (o: Record<string, unknown>, key: string, where: string): number => {
  const v = o[key];
  return need(typeof v === 'number' && Number.isFinite(v), v as number, `${where}.${key} must be a number`);
};
const duration = (o: Record<string, unknown>, key: string, where: string): string => {
  const v = str(o, key, where);
  return need(DURATION.test(v), v, `${where}.${key} must be a Prometheus duration like 5m, got ${v}`);
};
const list = (o: Record<string, unknown>, key: string, where: string): unknown[] => {
  const v = o[key];
  return need(Array.isArray(v) && v.length > 0, v as unknown[], `${where}.${key} must be a non-empty list`);
};
const record = (v: unknown, where: string): Record<string, unknown> =>
  need(isRecord(v), v as Record<string, unknown>, `${where} must be a mapping`);

/** Validates the parsed YAML, naming the offending field, and returns it typed. */
export function parseSloFile(text: string): SloFile {
  const root = record(parse(text), 'the document');
  const burnRateAlerts = list(root, 'burnRateAlerts', 'root').map((raw, i): BurnRateAlert => {
    const where = `burnRateAlerts[${i}]`;
    const a = record(raw, where);
    const severity = str(a, 'severity', where);
    return {
      severity: need(
        severity === 'critical' || severity === 'warning',
        severity as Severity,
        `${where}.severity must be critical or warning`,
      ),
      for: duration(a, 'for', where),
      conditions: list(a, 'conditions', where).map((c, j) => {
        const w = `${where}.conditions[${j}]`;
        const cond = record(c, w);
        return {
          factor: num(cond, 'factor', w),
          longWindow: duration(cond, 'longWindow', w),
          shortWindow: duration(cond, 'shortWindow', w),
        };
      }),
    };
  });
  const slos = list(root, 'slos', 'root').map((raw, i): Slo => {
    const where = `slos[${i}]`;
    const s = record(raw, where);
    const objective = num(s, 'objective', where);
    need(objective > 0 && objective < 1, objective, `${where}.objective must be between 0 and 1 (exclusive)`);
    const sliRaw = record(s.sli, `${where}.sli`);
    const kind = str(sliRaw, 'kind', `${where}.sli`);
    const selector = str(sliRaw, 'selector', `${where}.sli`);
    let sli: Sli;
    if (kind === 'availability') sli = { kind, selector };
    else if (kind === 'latency') {
      const thresholdSeconds = num(sliRaw, 'thresholdSeconds', `${where}.sli`);
      need(
        (LATENCY_BUCKETS as readonly number[]).includes(thresholdSeconds),
        0,
        `${where}.sli.thresholdSeconds must be a histogram bucket (${LATENCY_BUCKETS.join(', ')})`,
      );
      sli = { kind, selector, thresholdSeconds };
    } else throw new SloError(`slo.yaml: ${where}.sli.kind must be availability or latency, got ${kind}`);
    const name = str(s, 'name', where);
    const alert = str(s, 'alert', where);
    need(/^[a-z][a-z0-9-]*$/.test(name), 0, `${where}.name must be kebab-case`);
    need(/^[A-Z][A-Za-z0-9]*$/.test(alert), 0, `${where}.alert must be PascalCase`);
    return { name, alert, description: str(s, 'description', where), objective, sli };
  });
  const names = slos.map((s) => s.name);
  need(new Set(names).size === names.length, 0, 'SLO names must be unique');
  return { period: duration(root, 'period', 'root'), burnRateAlerts, slos };
}

export const loadSloFile = (): SloFile => parseSloFile(readFileSync(SLO_FILE, 'utf8'));

/** Trims float noise (14.4 * 0.005 = 0.07200000000000001) so the rule file reads as the maths. */
const round = (n: number): number => Number(n.toPrecision(10));

/** `le` matcher for a bucket bound; Prometheus 3 scrapes whole bounds as "1.0", Prometheus 2 as "1". */
const leMatcher = (bound: number): string => (Number.isInteger(bound) ? `le=~"${bound}(\\\\.0)?"` : `le="${bound}"`);

/** Requests per second the SLI counts, over one window. */
export function sliTotalRate(sli: Sli, window: string): string {
  return `sum(rate(${COUNT}{${sli.selector}}[${window}]))`;
}

/** Bad requests per second over one window: 5xx answers, or answers slower than the threshold. */
export function sliBadRate(sli: Sli, window: string): string {
  if (sli.kind === 'availability')
    return `(sum(rate(${COUNT}{${sli.selector}, status_class="5xx"}[${window}])) or vector(0))`;
  return `(${sliTotalRate(sli, window)} - sum(rate(${BUCKET}{${sli.selector}, ${leMatcher(sli.thresholdSeconds)}}[${window}])))`;
}

/** The SLI error ratio over one window; no sample (rather than NaN) when the window saw no request. */
export function sliErrorRatio(sli: Sli, window: string): string {
  return `${sliBadRate(sli, window)} / (${sliTotalRate(sli, window)} > 0)`;
}

const windowName = (w: string): string => `ratio_rate${w}`;

export function sloWindows(file: SloFile): string[] {
  const seen = new Set<string>(['5m']);
  for (const a of file.burnRateAlerts) for (const c of a.conditions) seen.add(c.shortWindow).add(c.longWindow);
  const seconds = (d: string): number => {
    const n = Number.parseInt(d, 10);
    const unit = d.replace(/^[0-9]+/, '');
    const mult: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400, w: 604800, y: 31536000 };
    return n * (mult[unit] ?? Number.NaN);
  };
  return [...seen].sort((a, b) => seconds(a) - seconds(b));
}

function recordsFor(slo: Slo, file: SloFile): RecordingRule[] {
  const labels = { slo: slo.name };
  const budget = round(1 - slo.objective);
  const sel = `{slo="${slo.name}"}`;
  return [
    ...sloWindows(file).map((w) => ({
      record: `slo:sli_error:${windowName(w)}`,
      expr: sliErrorRatio(slo.sli, w),
      labels,
    })),
    { record: 'slo:sli_requests:rate5m', expr: sliTotalRate(slo.sli, '5m'), labels },
    { record: 'slo:sli_bad_requests:rate5m', expr: sliBadRate(slo.sli, '5m'), labels },
    {
      // Over the whole period from the recorded 5m rates, so Prometheus never rates 30 days of raw counters, and
      // weighted by requests: a quiet night with one failed request does not count like a busy hour.
      record: `slo:sli_error:${windowName(file.period)}`,
      expr: `sum_over_time(slo:sli_bad_requests:rate5m${sel}[${file.period}]) / sum_over_time(slo:sli_requests:rate5m${sel}[${file.period}])`,
      labels,
    },
    { record: 'slo:objective:ratio', expr: `vector(${slo.objective})`, labels },
    { record: 'slo:current_burn_rate:ratio', expr: `slo:sli_error:ratio_rate5m${sel} / ${budget}`, labels },
    {
      record: 'slo:period_error_budget_remaining:ratio',
      expr: `1 - slo:sli_error:${windowName(file.period)}${sel} / ${budget}`,
      labels,
    },
  ];
}

function alertsFor(slo: Slo, file: SloFile): AlertRule[] {
  const budget = 1 - slo.objective;
  const sel = `{slo="${slo.name}"}`;
  const what = slo.sli.kind === 'availability' ? 'availability' : `latency (under ${slo.sli.thresholdSeconds}s)`;
  return file.burnRateAlerts.map((a) => ({
    alert: slo.alert,
    expr: a.conditions
      .map((c) => {
        const threshold = round(c.factor * budget);
        return `(slo:sli_error:${windowName(c.longWindow)}${sel} > ${threshold} and slo:sli_error:${windowName(c.shortWindow)}${sel} > ${threshold})`;
      })
      .join(' or '),
    for: a.for,
    labels: { severity: a.severity, slo: slo.name },
    annotations: {
      summary: `SLO ${slo.name} is burning its error budget ${a.severity === 'critical' ? 'fast' : 'steadily'}`,
      description:
        `${slo.description} Objective ${round(slo.objective * 100)}% ${what} over ${file.period}; ` +
        `{{ $value | humanizePercentage }} of requests are bad, above ${a.conditions.map((c) => `${c.factor}x the budget over ${c.longWindow} and ${c.shortWindow}`).join(', or ')}.`,
      runbook_url: runbookUrl(slo.alert),
      dashboard: dashboardPath(DASHBOARD_UIDS.slo),
    },
  }));
}

export function sloRules(file: SloFile): RuleFile {
  return {
    groups: [
      { name: 'shipshape-slo-records', rules: file.slos.flatMap((s) => recordsFor(s, file)) },
      { name: 'shipshape-slo-alerts', rules: file.slos.flatMap((s) => alertsFor(s, file)) },
    ],
  };
}
