// Runs the canary analysis against a Prometheus: a measurement every interval until the verdict is decided.
import { appendFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { durationMs, renderQuery, type Analysis } from './analysis.ts';
import { judgeMeasurement, verdict, type Measurement, type Phase, type Value } from './decide.ts';

export interface GateOptions {
  analysis: Analysis;
  prometheusUrl: string;
  service: string;
  /** Where each line goes (stdout by default). */
  print?: (line: string) => void;
  /** Aborts the wait between measurements (the verdict is then Inconclusive). */
  signal?: AbortSignal;
}

export interface GateResult {
  phase: Phase;
  reason: string;
  measurements: Measurement[];
  /** Milliseconds from the gate's start to its verdict. */
  elapsedMs: number;
}

/** One instant query reduced to a number: undefined for no series; several series are an error of the query (a ratio
 * or a quantile per series cannot be added up), which makes the measurement Inconclusive. */
export async function queryValue(prometheusUrl: string, expr: string): Promise<Value> {
  const res = await fetch(`${prometheusUrl}/api/v1/query?${new URLSearchParams({ query: expr })}`, {
    signal: AbortSignal.timeout(10_000),
  });
  const body = (await res.json()) as {
    status: string;
    error?: string;
    data?: { resultType: string; result: unknown };
  };
  if (body.status !== 'success' || !body.data) throw new Error(`query failed (${res.status}): ${body.error ?? ''}`);
  const { resultType, result } = body.data;
  if (resultType === 'scalar') return Number((result as [number, string])[1]);
  const samples = result as { value: [number, string] }[];
  if (samples.length === 0) return undefined;
  if (samples.length > 1) throw new Error(`the query returned ${samples.length} series, the gate needs one: ${expr}`);
  return Number(samples[0]?.value[1]);
}

export async function measure(o: GateOptions): Promise<Measurement> {
  const { analysis, service } = o;
  const q = (query: string, track: 'canary' | 'stable') =>
    queryValue(o.prometheusUrl, renderQuery(query, { service, track, window: analysis.window }));
  const canaryRequests = await q(analysis.traffic, 'canary');
  const values: Record<string, { canary: Value; stable: Value }> = {};
  for (const m of analysis.metrics)
    values[m.name] = { canary: await q(m.query, 'canary'), stable: await q(m.query, 'stable') };
  return judgeMeasurement(analysis, canaryRequests, values);
}

const fmt = (v: Value) => (v === undefined ? 'none' : Number.isNaN(v) ? 'NaN' : String(Number(v.toPrecision(3))));

export function describeMeasurement(n: number, of: number, m: Measurement): string {
  const metrics = m.metrics.map((r) => `${r.name} ${fmt(r.canary)} vs ${fmt(r.stable)} (+${r.maxAbove}) ${r.phase}`);
  return `measurement ${n}/${of}: ${m.phase.padEnd(12)} canary requests ${fmt(m.canaryRequests)}; ${metrics.join('; ')}${
    m.phase === 'Successful' ? '' : ` (${m.reason})`
  }`;
}

export async function runGate(o: GateOptions): Promise<GateResult> {
  const print = o.print ?? ((line: string) => console.log(line));
  const { analysis } = o;
  const started = Date.now();
  print(
    `canary analysis of ${o.service}: ${analysis.count} measurements every ${analysis.interval} over ${analysis.window}, ` +
      `at least ${analysis.minRequests} canary requests each, failure limit ${analysis.failureLimit}, inconclusive limit ${analysis.inconclusiveLimit}`,
  );
  const measurements: Measurement[] = [];
  for (;;) {
    try {
      await sleep(durationMs(analysis.interval), undefined, { signal: o.signal });
    } catch {
      const reason = 'analysis aborted before its verdict';
      print(`verdict: Inconclusive (${reason})`);
      return { phase: 'Inconclusive', reason, measurements, elapsedMs: Date.now() - started };
    }
    let m: Measurement;
    try {
      m = await measure(o);
    } catch (err) {
      // Prometheus unreachable or a query error: that measurement knows nothing, which is not a pass.
      m = { phase: 'Inconclusive', canaryRequests: undefined, metrics: [], reason: (err as Error).message };
    }
    measurements.push(m);
    print(describeMeasurement(measurements.length, analysis.count, m));
    const v = verdict(analysis, measurements);
    if (v.phase) {
      const last = measurements.findLast((x) => x.phase === v.phase && x.phase !== 'Successful');
      const reason = last ? `${v.reason}; ${last.reason}` : v.reason;
      print(`verdict: ${v.phase} (${reason})`);
      return { phase: v.phase, reason, measurements, elapsedMs: Date.now() - started };
    }
  }
}

/** The gate's outcome as Markdown, for a GitHub job summary. */
export function summaryMarkdown(service: string, r: GateResult, action: string): string {
  const rows = r.measurements.map((m, i) => {
    const cells = m.metrics.map((x) => `${fmt(x.canary)} vs ${fmt(x.stable)}`);
    return `| ${i + 1} | ${m.phase} | ${fmt(m.canaryRequests)} | ${cells.join(' | ')} |`;
  });
  const names = r.measurements[0]?.metrics.map((x) => `${x.name} (canary vs stable)`) ?? [];
  return [
    `### Canary of ${service}: ${r.phase} → ${action}`,
    '',
    `${r.reason}. Verdict after ${(r.elapsedMs / 1000).toFixed(0)} s.`,
    '',
    `| # | phase | canary requests | ${names.join(' | ')} |`,
    `|---|---|---|${names.map(() => '---|').join('')}`,
    ...rows,
    '',
  ].join('\n');
}

export function appendSummary(file: string | undefined, markdown: string): void {
  if (file) appendFileSync(file, `${markdown}\n`);
}
