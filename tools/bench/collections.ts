// Where the slow orders of a paced scenario fall against the services' full collections (gc-events.ts): how many
// collections each service made, what share of the orders over the latency bound were sent around one, and the p99
// of the orders sent away from all of them. On a busy machine a full collection (concurrent marking on the other
// core, then a pause) holds the orders in flight and those that arrive until the backlog drains.
import type { FullCollection } from './gc-events.ts';
import { percentile, type TimedOrder } from './paced.ts';

/**
 * Around a collection: the orders due from NEAR_BEFORE_MS before its pause to NEAR_AFTER_MS after the pause ends, the
 * ones in flight while it marks and pauses. Chosen from where the slow orders of a 20-second run at 800 orders a
 * second fell against the nearest full collection in any service (docs/benchmark.md, "Where the time goes"): over
 * 25 ms were 97% of the orders due in the 50 ms before a pause, 17% and 7% in the two 50 ms before those, 50% in the
 * 50 ms after the pause began, and at most 4% at any other time.
 */
export const NEAR_BEFORE_MS = 150;
export const NEAR_AFTER_MS = 50;

export interface TailAndCollections {
  /** Full collections during the scenario, per service. */
  collections: Record<string, number>;
  /** Orders slower than the bound. */
  slowOrders: number;
  /** Share of those sent around a full collection in some service (0 when there were none). */
  slowNearCollection: number;
  /** Share of all orders sent around one. */
  nearShare: number;
  /** p99 of the orders sent away from every full collection, ms (undefined when every order was near one). */
  p99Away?: number;
  /**
   * The orders, and those over the bound, by when they were due against the start of the nearest full collection's
   * pause in any service, in OFFSET_BIN_MS bins from -OFFSET_RANGE_MS; `farther` holds the rest (all of them when
   * there was no collection). What the span around a collection is chosen from.
   */
  byOffset: { fromMs: number; orders: number; slow: number }[];
  farther: { orders: number; slow: number };
}

export const OFFSET_BIN_MS = 50;
export const OFFSET_RANGE_MS = 300;

export function tailAndCollections(
  orders: readonly TimedOrder[],
  collections: Record<string, readonly FullCollection[]>,
  boundMs: number,
  window: { beforeMs: number; afterMs: number } = { beforeMs: NEAR_BEFORE_MS, afterMs: NEAR_AFTER_MS },
): TailAndCollections {
  const first = orders.reduce((min, o) => Math.min(min, o.at), Number.POSITIVE_INFINITY);
  const last = orders.reduce((max, o) => Math.max(max, o.at + o.ms), Number.NEGATIVE_INFINITY);
  const counts: Record<string, number> = {};
  const spans: [number, number][] = [];
  for (const [service, list] of Object.entries(collections)) {
    const during = list.filter((c) => c.at + c.ms >= first && c.at <= last);
    counts[service] = during.length;
    for (const c of during) spans.push([c.at - window.beforeMs, c.at + c.ms + window.afterMs]);
  }
  const near = (at: number) => spans.some(([from, to]) => at >= from && at <= to);
  const starts = Object.values(collections)
    .flat()
    .map((c) => c.at)
    .filter((at) => at >= first - OFFSET_RANGE_MS && at <= last + OFFSET_RANGE_MS);
  const bins = Array.from({ length: (2 * OFFSET_RANGE_MS) / OFFSET_BIN_MS }, (_, i) => ({
    fromMs: -OFFSET_RANGE_MS + i * OFFSET_BIN_MS,
    orders: 0,
    slow: 0,
  }));
  const farther = { orders: 0, slow: 0 };
  let slow = 0;
  let slowNear = 0;
  let nearCount = 0;
  const away: number[] = [];
  for (const o of orders) {
    let offset = Number.POSITIVE_INFINITY;
    for (const at of starts) if (Math.abs(o.at - at) < Math.abs(offset)) offset = o.at - at;
    const bin =
      Math.abs(offset) < OFFSET_RANGE_MS ? bins[Math.floor((offset + OFFSET_RANGE_MS) / OFFSET_BIN_MS)] : undefined;
    const isSlow = o.ms > boundMs;
    const counted = bin ?? farther;
    counted.orders += 1;
    if (isSlow) counted.slow += 1;
    const isNear = near(o.at);
    if (isNear) nearCount += 1;
    else away.push(o.ms);
    if (isSlow) {
      slow += 1;
      if (isNear) slowNear += 1;
    }
  }
  away.sort((a, b) => a - b);
  const result: TailAndCollections = {
    collections: counts,
    slowOrders: slow,
    slowNearCollection: slow === 0 ? 0 : slowNear / slow,
    nearShare: orders.length === 0 ? 0 : nearCount / orders.length,
    byOffset: bins,
    farther,
  };
  if (away.length > 0) result.p99Away = percentile(away, 99);
  return result;
}
