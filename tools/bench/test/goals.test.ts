import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { judgeGoals, type GoalInput, type Measured } from '../goals.ts';
import { loadProblems, type LoadFigures } from '../load.ts';
import { parseResidentBytes } from '../rss.ts';

const figures = (over: Partial<LoadFigures> = {}): LoadFigures => ({
  requestsPerSecond: 1000,
  latencyP50Ms: 1,
  latencyP99Ms: 5,
  requests: 10_000,
  non2xx: 0,
  errors: 0,
  timeouts: 0,
  statusCodes: { '200': 10_000 },
  ...over,
});
const measured = (over: Partial<LoadFigures> = {}): Measured => ({
  figures: figures(over),
  problems: loadProblems(figures(over)),
});

const healthy: GoalInput = {
  baseline: measured({ requestsPerSecond: 10_000 }),
  productsDirect: measured({ requestsPerSecond: 5_000 }),
  productsGateway: measured({ requestsPerSecond: 2_500 }),
  ordersAtHalfRate: measured({ latencyP99Ms: 49 }),
  rssMb: { gateway: 120, users: 90, products: 95, orders: 199.9 },
};
const verdicts = (input: GoalInput) => judgeGoals(input).map((g) => g.verdict);

describe('benchmark goals', () => {
  test('when every figure is exactly at its goal, then every goal passes', () => {
    assert.deepEqual(verdicts(healthy), ['PASS', 'PASS', 'PASS', 'PASS']);
  });

  test('when a share, the order p99 or an RSS is just past its goal, then that goal alone is missed', () => {
    assert.deepEqual(verdicts({ ...healthy, productsDirect: measured({ requestsPerSecond: 4_999 }) }), [
      'MISS',
      'PASS',
      'PASS',
      'PASS',
    ]);
    assert.deepEqual(verdicts({ ...healthy, productsGateway: measured({ requestsPerSecond: 2_499 }) }), [
      'PASS',
      'MISS',
      'PASS',
      'PASS',
    ]);
    assert.deepEqual(verdicts({ ...healthy, ordersAtHalfRate: measured({ latencyP99Ms: 50 }) }), [
      'PASS',
      'PASS',
      'MISS',
      'PASS',
    ]);
    assert.deepEqual(verdicts({ ...healthy, rssMb: { ...healthy.rssMb, users: 200 } }), [
      'PASS',
      'PASS',
      'PASS',
      'MISS',
    ]);
  });

  test('when a scenario got rate limited, then its goal is missed with the reason, however fast it was', () => {
    const limited = measured({ requestsPerSecond: 9_000, non2xx: 500, statusCodes: { '200': 9_500, '429': 500 } });
    const [, gateway] = judgeGoals({ ...healthy, productsGateway: limited });
    assert.equal(gateway?.verdict, 'MISS');
    assert.match(gateway?.actual ?? '', /500×429 \(rate limited: raise the gateway RATE_LIMIT_MAX\)/);
  });

  test('when a scenario or a service metric could not be measured, then its goal is unknown rather than passed', () => {
    const input = { ...healthy, productsDirect: { problems: [] }, rssMb: { ...healthy.rssMb, orders: null } };
    assert.deepEqual(verdicts(input), ['UNKNOWN', 'PASS', 'PASS', 'UNKNOWN']);
  });
});

describe('RSS from /metrics', () => {
  test('when the exposition has process_resident_memory_bytes, then it is read, with or without labels', () => {
    const text =
      '# HELP process_resident_memory_bytes Resident memory size in bytes.\n# TYPE process_resident_memory_bytes gauge\nprocess_resident_memory_bytes 84729856\n';
    assert.equal(parseResidentBytes(text), 84_729_856);
    assert.equal(parseResidentBytes('process_resident_memory_bytes{service="users"} 1.5e8\n'), 150_000_000);
  });

  test('when the exposition lacks it, then nothing is read', () => {
    assert.equal(
      parseResidentBytes('process_resident_memory_bytes_total 5\nnodejs_heap_size_total_bytes 10\n'),
      undefined,
    );
  });
});
