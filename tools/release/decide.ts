// The gate's decisions, as pure functions: one measurement from query results, and the verdict from measurements.
// No data is never a pass: an empty result, NaN or too little canary traffic makes a measurement Inconclusive.
import type { Analysis, Metric } from './analysis.ts';

export type Phase = 'Successful' | 'Failed' | 'Inconclusive';

/** A query's value: a number, or undefined when it returned no series. */
export type Value = number | undefined;

export interface MetricResult {
  name: string;
  canary: Value;
  stable: Value;
  maxAbove: number;
  phase: Phase;
  reason: string;
}

export interface Measurement {
  phase: Phase;
  canaryRequests: Value;
  metrics: MetricResult[];
  reason: string;
}

const usable = (v: Value): v is number => v !== undefined && Number.isFinite(v);
const show = (v: Value) => (v === undefined ? 'no data' : Number.isNaN(v) ? 'NaN' : String(Number(v.toPrecision(4))));

export function judgeMetric(metric: Pick<Metric, 'name' | 'maxAbove'>, canary: Value, stable: Value): MetricResult {
  const base = { name: metric.name, canary, stable, maxAbove: metric.maxAbove };
  if (!usable(canary) || !usable(stable)) {
    const missing = [!usable(canary) && `canary ${show(canary)}`, !usable(stable) && `stable ${show(stable)}`];
    return { ...base, phase: 'Inconclusive', reason: missing.filter(Boolean).join(', ') };
  }
  const limit = stable + metric.maxAbove;
  // A small tolerance so a canary exactly at the limit is not failed by floating-point noise (0.1 + 0.2 > 0.3).
  const failed = canary > limit + 1e-9 * Math.max(1, Math.abs(limit));
  return {
    ...base,
    phase: failed ? 'Failed' : 'Successful',
    reason: `canary ${show(canary)} ${failed ? '>' : '<='} stable ${show(stable)} + ${metric.maxAbove}`,
  };
}

export function judgeMeasurement(
  analysis: Pick<Analysis, 'minRequests' | 'metrics'>,
  canaryRequests: Value,
  values: Record<string, { canary: Value; stable: Value }>,
): Measurement {
  const metrics = analysis.metrics.map((m) => judgeMetric(m, values[m.name]?.canary, values[m.name]?.stable));
  if (!usable(canaryRequests) || canaryRequests < analysis.minRequests)
    return {
      phase: 'Inconclusive',
      canaryRequests,
      metrics,
      reason: `canary served ${show(canaryRequests)} requests, fewer than ${analysis.minRequests}`,
    };
  const failed = metrics.filter((m) => m.phase === 'Failed');
  if (failed.length > 0)
    return { phase: 'Failed', canaryRequests, metrics, reason: failed.map((m) => `${m.name}: ${m.reason}`).join('; ') };
  const unknown = metrics.filter((m) => m.phase === 'Inconclusive');
  if (unknown.length > 0)
    return {
      phase: 'Inconclusive',
      canaryRequests,
      metrics,
      reason: unknown.map((m) => `${m.name}: ${m.reason}`).join('; '),
    };
  return { phase: 'Successful', canaryRequests, metrics, reason: 'every metric within its limit' };
}

export interface Verdict {
  /** Undefined while more measurements are needed. */
  phase: Phase | undefined;
  reason: string;
}

/** The verdict so far: decided as soon as a limit is exceeded, otherwise after `count` measurements. */
export function verdict(
  analysis: Pick<Analysis, 'count' | 'failureLimit' | 'inconclusiveLimit'>,
  measurements: Pick<Measurement, 'phase'>[],
): Verdict {
  const failed = measurements.filter((m) => m.phase === 'Failed').length;
  const inconclusive = measurements.filter((m) => m.phase === 'Inconclusive').length;
  const tally = `${failed} failed, ${inconclusive} inconclusive of ${measurements.length} measurements`;
  if (failed > analysis.failureLimit)
    return { phase: 'Failed', reason: `${tally} (failure limit ${analysis.failureLimit})` };
  if (inconclusive > analysis.inconclusiveLimit)
    return { phase: 'Inconclusive', reason: `${tally} (inconclusive limit ${analysis.inconclusiveLimit})` };
  if (measurements.length < analysis.count) return { phase: undefined, reason: tally };
  // A generous inconclusive limit must not turn a run that never saw the canary into a pass.
  if (measurements.every((m) => m.phase !== 'Successful'))
    return { phase: 'Inconclusive', reason: `${tally}: none succeeded` };
  return { phase: 'Successful', reason: tally };
}
