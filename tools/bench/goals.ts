// The goals the benchmark reports against, judged from the measured figures.
import type { LoadFigures } from './load.ts';

export interface Measured {
  figures?: LoadFigures;
  /** Why the figures cannot be trusted (errors, non-2xx); empty when they can. */
  problems: string[];
}

export interface GoalInput {
  baseline: Measured;
  productsDirect: Measured;
  productsGateway: Measured;
  ordersAtHalfRate: Measured;
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
  directShare: 0.5,
  gatewayShare: 0.25,
  orderP99Ms: 50,
  rssMb: 200,
} as const;

const percent = (ratio: number) => `${Math.round(ratio * 100)}%`;

function share(goal: string, scenario: Measured, baseline: Measured, minimum: number): GoalResult {
  if (!scenario.figures || !baseline.figures) return { goal, verdict: 'UNKNOWN', actual: 'not measured' };
  const problems = [...baseline.problems, ...scenario.problems];
  if (problems.length > 0) return { goal, verdict: 'MISS', actual: problems.join('; ') };
  const ratio = scenario.figures.requestsPerSecond / baseline.figures.requestsPerSecond;
  return { goal, verdict: ratio >= minimum ? 'PASS' : 'MISS', actual: `${percent(ratio)} of baseline` };
}

export function judgeGoals(input: GoalInput): GoalResult[] {
  const results = [
    share(
      `cached read direct ≥ ${percent(GOALS.directShare)} of baseline`,
      input.productsDirect,
      input.baseline,
      GOALS.directShare,
    ),
    share(
      `cached read through the gateway ≥ ${percent(GOALS.gatewayShare)} of baseline`,
      input.productsGateway,
      input.baseline,
      GOALS.gatewayShare,
    ),
  ];

  const orderGoal = `order p99 < ${GOALS.orderP99Ms} ms at half the maximum order rate`;
  const orders = input.ordersAtHalfRate;
  if (!orders.figures) results.push({ goal: orderGoal, verdict: 'UNKNOWN', actual: 'not measured' });
  else if (orders.problems.length > 0)
    results.push({ goal: orderGoal, verdict: 'MISS', actual: orders.problems.join('; ') });
  else {
    const p99 = orders.figures.latencyP99Ms;
    results.push({ goal: orderGoal, verdict: p99 < GOALS.orderP99Ms ? 'PASS' : 'MISS', actual: `p99 ${p99} ms` });
  }

  const rssGoal = `RSS < ${GOALS.rssMb} MB per service under load`;
  const entries = Object.entries(input.rssMb);
  const shown = entries.map(([name, mb]) => `${name} ${mb === null ? '?' : `${mb} MB`}`).join(', ');
  const known = entries.filter((e): e is [string, number] => e[1] !== null);
  let verdict: Verdict = 'PASS';
  if (known.some(([, mb]) => mb >= GOALS.rssMb)) verdict = 'MISS';
  else if (entries.length === 0 || known.length < entries.length) verdict = 'UNKNOWN';
  results.push({ goal: rssGoal, verdict, actual: shown || 'no service metrics' });
  return results;
}
