// Where an order's time goes, step by step: orders times each step of a placement in
// `shipshape_order_stage_duration_seconds` (claim, user_check, reserve, record), and the benchmark reads that
// histogram before and after each order scenario. The quantiles come from the buckets, as Prometheus's
// histogram_quantile works them out (linear within a bucket), so they are as fine as the buckets around them.

import { ORDER_STAGE_METRIC, ORDER_STAGES } from '../../services/orders/src/domain/place-order.ts';

export { ORDER_STAGES };
export const STAGE_HISTOGRAM = ORDER_STAGE_METRIC;

/** Cumulative bucket counts by upper bound (seconds; Infinity for +Inf), by stage. */
export type StageBuckets = Record<string, Map<number, number>>;

/** One step's time during a scenario. */
export interface StageLatency {
  count: number;
  p50Ms: number;
  p99Ms: number;
}

/** The stage histogram's buckets from a Prometheus text exposition (empty when orders has none yet). */
export function parseStageBuckets(exposition: string): StageBuckets {
  const out: StageBuckets = {};
  const line = new RegExp(`^${STAGE_HISTOGRAM}_bucket\\{([^}]*)\\}\\s+([0-9.eE+-]+)\\s*$`, 'gm');
  for (const m of exposition.matchAll(line)) {
    const labels = m[1] ?? '';
    const stage = /(?:^|,)stage="([^"]*)"/.exec(labels)?.[1];
    const le = /(?:^|,)le="([^"]*)"/.exec(labels)?.[1];
    const count = Number(m[2]);
    if (stage === undefined || le === undefined || !Number.isFinite(count)) continue;
    const bound = le === '+Inf' ? Number.POSITIVE_INFINITY : Number(le);
    if (Number.isNaN(bound)) continue;
    const buckets = out[stage] ?? new Map<number, number>();
    buckets.set(bound, count);
    out[stage] = buckets;
  }
  return out;
}

/**
 * The q-quantile (0..1) of cumulative buckets, in seconds, as histogram_quantile computes it: linear within the bucket
 * it falls in, from 0 for the first; a quantile in the +Inf bucket is the highest finite bound. Undefined when empty.
 */
export function bucketQuantile(q: number, buckets: ReadonlyMap<number, number>): number | undefined {
  const sorted = [...buckets].sort(([a], [b]) => a - b);
  const total = sorted.at(-1)?.[1] ?? 0;
  if (total <= 0) return undefined;
  const rank = q * total;
  let lowerBound = 0;
  let lowerCount = 0;
  for (const [bound, count] of sorted) {
    if (count >= rank) {
      if (bound === Number.POSITIVE_INFINITY) return lowerBound;
      if (count === lowerCount) return bound;
      return lowerBound + ((bound - lowerBound) * (rank - lowerCount)) / (count - lowerCount);
    }
    lowerBound = bound;
    lowerCount = count;
  }
  return lowerBound;
}

/**
 * Each step's count and p50 / p99 (ms, one decimal) between two readings. A step whose counts went down (orders
 * restarted in between) or did not move is left out.
 */
export function stageLatency(before: StageBuckets, after: StageBuckets): Record<string, StageLatency> {
  const out: Record<string, StageLatency> = {};
  const ms = (seconds: number) => Math.round(seconds * 10_000) / 10;
  for (const [stage, end] of Object.entries(after)) {
    const start = before[stage] ?? new Map<number, number>();
    const delta = new Map<number, number>();
    let restarted = false;
    for (const [bound, count] of end) {
      const d = count - (start.get(bound) ?? 0);
      if (d < 0) restarted = true;
      delta.set(bound, d);
    }
    const count = delta.get(Number.POSITIVE_INFINITY) ?? 0;
    if (restarted || count <= 0) continue;
    const p50 = bucketQuantile(0.5, delta);
    const p99 = bucketQuantile(0.99, delta);
    if (p50 === undefined || p99 === undefined) continue;
    out[stage] = { count, p50Ms: ms(p50), p99Ms: ms(p99) };
  }
  return out;
}
