// The goals the benchmark reports against, each a ratio to a yardstick measured in the same run (or, for latency,
// memory and the order rate floor, a figure of its own), judged from the measured figures.
import type { TailAndCollections } from './collections.ts';
import type { LoadFigures } from './load.ts';

export interface Measured {
  figures?: LoadFigures;
  /** Why the figures cannot be trusted (errors, non-2xx, a yardstick that did not start); empty when they can. */
  problems: string[];
}

export interface GoalInput {
  /** Bare Fastify sending the same product JSON after one Redis GET per request (bracketed: before and after). */
  redisYardstick: Measured;
  /** Bare Fastify + @fastify/reply-from in front of the same products instance (bracketed: before and after). */
  proxyYardstick: Measured;
  /** `pgbench -N` on the same PostgreSQL server with the same client count; undefined when it could not run. */
  pgbenchTps: number | undefined;
  productsDirect: Measured;
  /** The read floor (yardstick-server.ts read-floor): shown beside the direct read, as a share of its yardstick. */
  readFloor?: Measured;
  productsGateway: Measured;
  /** The gateway floor (yardstick-server.ts gateway-floor): shown beside the gateway read, as a share of its yardstick. */
  gatewayFloor?: Measured;
  /** The cached product read via gateway, measured just before and just after the RealWorld reads (bracketed). */
  realWorldYardstick: Measured;
  /** RealWorld reads through the gateway, judged against that product read on the same path. */
  articlesGateway: Measured;
  articleGateway: Measured;
  ordersAtMaxRate: Measured;
  /** With, on a system the benchmark started, where its slow orders fell against the services' full collections. */
  ordersAtHalfRate: Measured & { nearCollections?: TailAndCollections };
  /** The bare order path (order-path.ts) paced at the same rate as ordersAtHalfRate: the floor beside its p99. */
  orderPathAtHalfRate?: Measured;
  /** Peak RSS in MB per service under load; null where /metrics could not be read. */
  rssMb: Record<string, number | null>;
}

export type Verdict = 'PASS' | 'MISS' | 'UNKNOWN';

export interface GoalResult {
  goal: string;
  verdict: Verdict;
  actual: string;
}

export const GOALS = {
  gatewayShareOfProxy: 0.75,
  directShareOfRedisGet: 0.85,
  ordersPerSecond: 1000,
  ordersShareOfPgbench: 0.12,
  orderP99Ms: 25,
  rssMb: 200,
  // A page of 20 article previews is ~20 times the bytes of one product (about 8 KB against 400 B) to read from the
  // cache and relay, with the same hops: half the product rate leaves room for that. One article by slug is one cached
  // document like a product, a few KB with its body: within 80% of the product read.
  articlesShareOfProductRead: 0.5,
  articleShareOfProductRead: 0.8,
} as const;

/**
 * A yardstick measured just before and just after its scenario (A B A), as one: the mean of the two rates, so a
 * machine that speeds up or slows down steadily over the three moves both sides of the ratio alike. Either run's
 * problems make it unusable; when only one ran, that one stands alone.
 */
export function bracketed(before: Measured, after: Measured): Measured {
  const problems = [...before.problems, ...after.problems.map((p) => `second run: ${p}`)];
  if (!before.figures || !after.figures) {
    const one = before.figures ?? after.figures;
    return one ? { figures: one, problems } : { problems };
  }
  return {
    figures: {
      ...before.figures,
      requestsPerSecond: (before.figures.requestsPerSecond + after.figures.requestsPerSecond) / 2,
    },
    problems,
  };
}

const percent = (ratio: number) => `${Math.round(ratio * 100)}%`;
const unknown = (goal: string, why: string): GoalResult => ({ goal, verdict: 'UNKNOWN', actual: why });

/** The scenario's rate as a share of the yardstick's; a yardstick that did not run makes the goal UNKNOWN. */
function share(goal: string, scenario: Measured, yardstick: Measured, minimum: number): GoalResult {
  if (!yardstick.figures)
    return unknown(
      goal,
      `yardstick not measured${yardstick.problems.length ? `: ${yardstick.problems.join('; ')}` : ''}`,
    );
  if (yardstick.problems.length > 0) return unknown(goal, `yardstick unusable: ${yardstick.problems.join('; ')}`);
  if (!scenario.figures) return unknown(goal, 'not measured');
  if (scenario.problems.length > 0) return { goal, verdict: 'MISS', actual: scenario.problems.join('; ') };
  const ratio = scenario.figures.requestsPerSecond / yardstick.figures.requestsPerSecond;
  return { goal, verdict: ratio >= minimum ? 'PASS' : 'MISS', actual: `${percent(ratio)} of the yardstick` };
}

function ordersRate(input: GoalInput): GoalResult[] {
  const floor = `orders ≥ ${GOALS.ordersPerSecond.toLocaleString('en-US')}/s at the maximum rate`;
  const ofPgbench = `orders ≥ ${percent(GOALS.ordersShareOfPgbench)} of pgbench -N`;
  const orders = input.ordersAtMaxRate;
  if (!orders.figures) return [unknown(floor, 'not measured'), unknown(ofPgbench, 'not measured')];
  if (orders.problems.length > 0) {
    const miss = (goal: string): GoalResult => ({ goal, verdict: 'MISS', actual: orders.problems.join('; ') });
    return [miss(floor), input.pgbenchTps === undefined ? unknown(ofPgbench, 'pgbench did not run') : miss(ofPgbench)];
  }
  const rate = orders.figures.requestsPerSecond;
  const results: GoalResult[] = [
    { goal: floor, verdict: rate >= GOALS.ordersPerSecond ? 'PASS' : 'MISS', actual: `${Math.round(rate)}/s` },
  ];
  if (input.pgbenchTps === undefined || !(input.pgbenchTps > 0))
    results.push(unknown(ofPgbench, 'pgbench did not run'));
  else {
    const ratio = rate / input.pgbenchTps;
    results.push({
      goal: ofPgbench,
      verdict: ratio >= GOALS.ordersShareOfPgbench ? 'PASS' : 'MISS',
      actual: `${percent(ratio)} of ${Math.round(input.pgbenchTps)} tps`,
    });
  }
  return results;
}

/** A floor's share of the same yardstick, added to its goal's line; never part of the verdict. */
function withFloor(result: GoalResult, name: string, floor: Measured | undefined, yardstick: Measured): GoalResult {
  if (!floor?.figures || floor.problems.length > 0 || !yardstick.figures || yardstick.problems.length > 0)
    return result;
  const ratio = floor.figures.requestsPerSecond / yardstick.figures.requestsPerSecond;
  return { ...result, actual: `${result.actual}; ${name}: ${percent(ratio)}` };
}

export function judgeGoals(input: GoalInput): GoalResult[] {
  const results = [
    withFloor(
      share(
        `cached read through the gateway ≥ ${percent(GOALS.gatewayShareOfProxy)} of a bare reply-from proxy`,
        input.productsGateway,
        input.proxyYardstick,
        GOALS.gatewayShareOfProxy,
      ),
      'the gateway floor',
      input.gatewayFloor,
      input.proxyYardstick,
    ),
    withFloor(
      share(
        `cached read direct ≥ ${percent(GOALS.directShareOfRedisGet)} of a bare Fastify + Redis GET`,
        input.productsDirect,
        input.redisYardstick,
        GOALS.directShareOfRedisGet,
      ),
      'the read floor',
      input.readFloor,
      input.redisYardstick,
    ),
    ...ordersRate(input),
  ];

  const orderGoal = `order p99 < ${GOALS.orderP99Ms} ms at half the maximum order rate`;
  const orders = input.ordersAtHalfRate;
  if (!orders.figures) results.push(unknown(orderGoal, 'not measured'));
  else if (orders.problems.length > 0)
    results.push({ goal: orderGoal, verdict: 'MISS', actual: orders.problems.join('; ') });
  else {
    const p99 = orders.figures.latencyP99Ms;
    const floor = input.orderPathAtHalfRate;
    const beside =
      floor?.figures && floor.problems.length === 0
        ? `; the bare order path at the same rate: p99 ${floor.figures.latencyP99Ms} ms`
        : '';
    const { sendLagP99Ms, generatorGcMaxMs } = orders.figures;
    const generator =
      sendLagP99Ms === undefined || generatorGcMaxMs === undefined
        ? ''
        : `; the load generator: 99% sent within ${sendLagP99Ms} ms of schedule, longest own pause ${generatorGcMaxMs} ms`;
    const near = orders.nearCollections;
    const total = near ? Object.values(near.collections).reduce((sum, n) => sum + n, 0) : 0;
    const collections = near
      ? `; ${total} full collection${total === 1 ? '' : 's'} in the services, ${Math.round(near.slowNearCollection * 100)}% of the orders over ${GOALS.orderP99Ms} ms due around one${near.p99Away === undefined ? '' : `, p99 of the others ${near.p99Away} ms`}`
      : '';
    results.push({
      goal: orderGoal,
      verdict: p99 < GOALS.orderP99Ms ? 'PASS' : 'MISS',
      actual: `p99 ${p99} ms${beside}${generator}${collections}`,
    });
  }

  const rssGoal = `RSS < ${GOALS.rssMb} MB per service under load`;
  const entries = Object.entries(input.rssMb);
  const shown = entries.map(([name, mb]) => `${name} ${mb === null ? '?' : `${mb} MB`}`).join(', ');
  const known = entries.filter((e): e is [string, number] => e[1] !== null);
  let verdict: Verdict = 'PASS';
  if (known.some(([, mb]) => mb >= GOALS.rssMb)) verdict = 'MISS';
  else if (entries.length === 0 || known.length < entries.length) verdict = 'UNKNOWN';
  results.push({ goal: rssGoal, verdict, actual: shown || 'no service metrics' });
  results.push(
    share(
      `GET /api/articles (20 per page) via gateway ≥ ${percent(GOALS.articlesShareOfProductRead)} of the cached product read via gateway`,
      input.articlesGateway,
      input.realWorldYardstick,
      GOALS.articlesShareOfProductRead,
    ),
    share(
      `GET /api/articles/:slug via gateway ≥ ${percent(GOALS.articleShareOfProductRead)} of the cached product read via gateway`,
      input.articleGateway,
      input.realWorldYardstick,
      GOALS.articleShareOfProductRead,
    ),
  );
  return results;
}
