import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, test } from 'node:test';
import { bracketed, judgeGoals, type GoalInput, type Measured } from '../goals.ts';
import { loadProblems, type LoadFigures } from '../load.ts';
import { parsePgbench } from '../pgbench.ts';
import { RssSampler, parseResidentBytes, parseVmRss } from '../rss.ts';

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
  redisYardstick: measured({ requestsPerSecond: 10_000 }),
  proxyYardstick: measured({ requestsPerSecond: 4_000 }),
  pgbenchTps: 10_000,
  productsDirect: measured({ requestsPerSecond: 8_500 }),
  productsGateway: measured({ requestsPerSecond: 3_000 }),
  realWorldYardstick: measured({ requestsPerSecond: 3_000 }),
  articlesGateway: measured({ requestsPerSecond: 1_500 }),
  articleGateway: measured({ requestsPerSecond: 2_400 }),
  ordersAtMaxRate: measured({ requestsPerSecond: 1_200 }),
  ordersAtHalfRate: measured({ latencyP99Ms: 24 }),
  rssMb: { gateway: 120, users: 90, products: 95, orders: 199.9 },
};
const verdicts = (input: GoalInput) => judgeGoals(input).map((g) => g.verdict);
const ALL_PASS = ['PASS', 'PASS', 'PASS', 'PASS', 'PASS', 'PASS', 'PASS', 'PASS'];
const only = (index: number, verdict: string) => ALL_PASS.map((v, i) => (i === index ? verdict : v));

describe('benchmark goals', () => {
  test('when every figure is exactly at its goal, then every goal passes', () => {
    assert.deepEqual(verdicts(healthy), ALL_PASS);
  });

  test('when a share, the order rate, the order p99 or an RSS is just past its goal, then that goal alone is missed', () => {
    assert.deepEqual(
      verdicts({ ...healthy, productsGateway: measured({ requestsPerSecond: 2_999 }) }),
      only(0, 'MISS'),
    );
    assert.deepEqual(verdicts({ ...healthy, productsDirect: measured({ requestsPerSecond: 8_499 }) }), only(1, 'MISS'));
    assert.deepEqual(verdicts({ ...healthy, pgbenchTps: 10_001 }), only(3, 'MISS'));
    assert.deepEqual(verdicts({ ...healthy, ordersAtHalfRate: measured({ latencyP99Ms: 25 }) }), only(4, 'MISS'));
    assert.deepEqual(verdicts({ ...healthy, rssMb: { ...healthy.rssMb, users: 200 } }), only(5, 'MISS'));
    const slowOrders = verdicts({
      ...healthy,
      pgbenchTps: 8_000,
      ordersAtMaxRate: measured({ requestsPerSecond: 999 }),
    });
    assert.deepEqual(slowOrders, only(2, 'MISS'));
    assert.deepEqual(
      verdicts({ ...healthy, articlesGateway: measured({ requestsPerSecond: 1_499 }) }),
      only(6, 'MISS'),
    );
    assert.deepEqual(verdicts({ ...healthy, articleGateway: measured({ requestsPerSecond: 2_399 }) }), only(7, 'MISS'));
  });

  test('when the bare order path ran at the rate of the half-rate goal, then its p99 is shown beside the goal, never judged', () => {
    const goal = (input: GoalInput) => judgeGoals(input)[4];
    assert.equal(goal(healthy)?.actual, 'p99 24 ms');
    const slowFloor = goal({ ...healthy, orderPathAtHalfRate: measured({ latencyP99Ms: 400 }) });
    assert.equal(slowFloor?.verdict, 'PASS');
    assert.equal(slowFloor?.actual, 'p99 24 ms; the bare order path at the same rate: p99 400 ms');
    const fastFloor = goal({
      ...healthy,
      ordersAtHalfRate: measured({ latencyP99Ms: 30 }),
      orderPathAtHalfRate: measured({ latencyP99Ms: 3 }),
    });
    assert.equal(fastFloor?.verdict, 'MISS');
    assert.equal(fastFloor?.actual, 'p99 30 ms; the bare order path at the same rate: p99 3 ms');
    // A floor whose run had errors says nothing: it is left out.
    const broken = goal({ ...healthy, orderPathAtHalfRate: measured({ latencyP99Ms: 3, errors: 5 }) });
    assert.equal(broken?.actual, 'p99 24 ms');
  });

  test('when the slow orders were placed against the full collections, then that is shown beside the order p99, never judged', () => {
    const goal = (input: GoalInput) => judgeGoals(input)[4];
    const nearCollections = {
      collections: { gateway: 0, orders: 3, products: 2 },
      slowOrders: 700,
      slowNearCollection: 0.554,
      nearShare: 0.19,
      p99Away: 32.3,
      byOffset: [],
      farther: { orders: 0, slow: 0 },
    };
    const judged = goal({ ...healthy, ordersAtHalfRate: { ...measured({ latencyP99Ms: 50.6 }), nearCollections } });
    assert.equal(judged?.verdict, 'MISS');
    assert.equal(
      judged?.actual,
      'p99 50.6 ms; 5 full collections in the services, 55% of the orders over 25 ms due around one, p99 of the others 32.3 ms',
    );
    const calm = goal({
      ...healthy,
      ordersAtHalfRate: {
        ...measured({ latencyP99Ms: 24 }),
        nearCollections: { ...nearCollections, collections: { orders: 1 }, slowNearCollection: 0, p99Away: 23 },
      },
    });
    assert.equal(calm?.verdict, 'PASS');
    assert.match(calm?.actual ?? '', /; 1 full collection in the services, 0% of the orders/);
  });

  test('when the paced run reports its own delays, then they are shown beside the order p99, never judged', () => {
    const goal = (input: GoalInput) => judgeGoals(input)[4];
    const late = goal({
      ...healthy,
      ordersAtHalfRate: measured({ latencyP99Ms: 24, sendLagP99Ms: 3.1, generatorGcMaxMs: 40.2 }),
    });
    assert.equal(late?.verdict, 'PASS');
    assert.equal(
      late?.actual,
      'p99 24 ms; the load generator: 99% sent within 3.1 ms of schedule, longest own pause 40.2 ms',
    );
  });

  test('when the read floor ran, then its share of the Redis yardstick is shown beside the direct read, never judged', () => {
    const goal = (input: GoalInput) => judgeGoals(input)[1];
    assert.equal(goal(healthy)?.actual, '85% of the yardstick');
    const floorAbove = goal({
      ...healthy,
      productsDirect: measured({ requestsPerSecond: 8_000 }),
      readFloor: measured({ requestsPerSecond: 9_300 }),
    });
    assert.equal(floorAbove?.verdict, 'MISS');
    assert.equal(floorAbove?.actual, '80% of the yardstick; the read floor: 93%');
    const floorBelow = goal({ ...healthy, readFloor: measured({ requestsPerSecond: 7_000 }) });
    assert.equal(floorBelow?.verdict, 'PASS');
    assert.equal(floorBelow?.actual, '85% of the yardstick; the read floor: 70%');
    // A floor whose run had errors, or a yardstick that did not run, says nothing: it is left out.
    const broken = goal({ ...healthy, readFloor: measured({ requestsPerSecond: 9_300, errors: 5 }) });
    assert.equal(broken?.actual, '85% of the yardstick');
    const noYardstick = goal({ ...healthy, redisYardstick: { problems: [] }, readFloor: measured() });
    assert.equal(noYardstick?.verdict, 'UNKNOWN');
    assert.doesNotMatch(noYardstick?.actual ?? '', /read floor/);
  });

  test('when the gateway floor ran, then its share of the bare proxy is shown beside the gateway read, never judged', () => {
    const goal = (input: GoalInput) => judgeGoals(input)[0];
    assert.equal(goal(healthy)?.actual, '75% of the yardstick');
    const floor = goal({ ...healthy, gatewayFloor: measured({ requestsPerSecond: 3_600 }) });
    assert.equal(floor?.verdict, 'PASS');
    assert.equal(floor?.actual, '75% of the yardstick; the gateway floor: 90%');
    const broken = goal({ ...healthy, gatewayFloor: measured({ requestsPerSecond: 3_600, errors: 1 }) });
    assert.equal(broken?.actual, '75% of the yardstick');
  });

  test('when a scenario got rate limited, then its goal is missed with the reason, however fast it was', () => {
    const limited = measured({ requestsPerSecond: 9_000, non2xx: 500, statusCodes: { '200': 9_500, '429': 500 } });
    const [gateway] = judgeGoals({ ...healthy, productsGateway: limited });
    assert.equal(gateway?.verdict, 'MISS');
    assert.match(gateway?.actual ?? '', /500×429 \(rate limited: raise the gateway RATE_LIMIT_MAX\)/);
  });

  test('when a scenario or a service metric could not be measured, then its goal is unknown rather than passed', () => {
    const input = { ...healthy, productsDirect: { problems: [] }, rssMb: { ...healthy.rssMb, orders: null } };
    assert.deepEqual(verdicts(input), ['PASS', 'UNKNOWN', 'PASS', 'PASS', 'PASS', 'UNKNOWN', 'PASS', 'PASS']);
  });

  test('when a yardstick could not start, then the goals judged against it are unknown, never passed', () => {
    const notStarted = { problems: ['could not start: the proxy yardstick exited before listening'] };
    const [gateway] = judgeGoals({ ...healthy, proxyYardstick: notStarted });
    assert.equal(gateway?.verdict, 'UNKNOWN');
    assert.match(gateway?.actual ?? '', /could not start/);
    assert.deepEqual(verdicts({ ...healthy, redisYardstick: notStarted }), only(1, 'UNKNOWN'));
    assert.deepEqual(verdicts({ ...healthy, pgbenchTps: undefined }), only(3, 'UNKNOWN'));
  });

  test('when a yardstick itself had errors, then its goals are unknown even if the scenario is fast', () => {
    const broken = measured({ requestsPerSecond: 100, errors: 20 });
    const [gateway] = judgeGoals({
      ...healthy,
      proxyYardstick: broken,
      productsGateway: measured({ requestsPerSecond: 50_000 }),
    });
    assert.equal(gateway?.verdict, 'UNKNOWN');
  });
});

describe('a yardstick measured before and after its scenario', () => {
  const direct = measured({ requestsPerSecond: 8_000 });
  const judged = (before: Measured, after: Measured) =>
    judgeGoals({ ...healthy, productsDirect: direct, redisYardstick: bracketed(before, after) })[1];

  test('when the machine slowed down between the two runs, then the scenario is judged against their mean', () => {
    // 8,000 is 80% of the first run and 100% of the second: 89% of their mean, a pass.
    const goal = judged(measured({ requestsPerSecond: 10_000 }), measured({ requestsPerSecond: 8_000 }));
    assert.deepEqual([goal?.verdict, goal?.actual], ['PASS', '89% of the yardstick']);
    const slower = judged(measured({ requestsPerSecond: 12_000 }), measured({ requestsPerSecond: 10_000 }));
    assert.deepEqual([slower?.verdict, slower?.actual], ['MISS', '73% of the yardstick']);
  });

  test('when one of the two runs had errors, then the goal is unknown; when one did not run, the other stands', () => {
    const failing = measured({ requestsPerSecond: 20_000, errors: 3 });
    assert.equal(judged(measured({ requestsPerSecond: 9_000 }), failing)?.verdict, 'UNKNOWN');
    assert.equal(judged(failing, measured({ requestsPerSecond: 9_000 }))?.verdict, 'UNKNOWN');
    const notRun: Measured = { problems: [] };
    assert.deepEqual(judged(measured({ requestsPerSecond: 9_000 }), notRun)?.actual, '89% of the yardstick');
    assert.equal(judged(notRun, notRun)?.verdict, 'UNKNOWN');
  });
});

describe('the RealWorld goals', () => {
  test('when the product read ran faster before them than just around them, then they are judged against the read around them', () => {
    // The gateway read of the reads group at 3,000/s; the same read just before and just after the RealWorld reads at
    // 2,600 and 2,400 (the machine slowed down): 1,300 is 43% of the first but 52% of their mean.
    const goals = judgeGoals({
      ...healthy,
      realWorldYardstick: bracketed(measured({ requestsPerSecond: 2_600 }), measured({ requestsPerSecond: 2_400 })),
      articlesGateway: measured({ requestsPerSecond: 1_300 }),
      articleGateway: measured({ requestsPerSecond: 1_900 }),
    });
    assert.deepEqual(
      goals.slice(6).map((g) => [g.verdict, g.actual]),
      [
        ['PASS', '52% of the yardstick'],
        ['MISS', '76% of the yardstick'],
      ],
    );
  });

  test('when the product read around them did not run, then the RealWorld goals are unknown', () => {
    assert.deepEqual(verdicts({ ...healthy, realWorldYardstick: { problems: [] } }).slice(6), ['UNKNOWN', 'UNKNOWN']);
  });
});

describe('RSS by pid', () => {
  test('when /proc/<pid>/status has VmRSS, then it is read in bytes', () => {
    const status = 'Name:\tnode\nVmHWM:\t  190000 kB\nVmRSS:\t  163840 kB\nRssAnon:\t  100000 kB\n';
    assert.equal(parseVmRss(status), 163_840 * 1024);
    assert.equal(parseVmRss('Name:\tkthreadd\nState:\tS (sleeping)\n'), undefined);
  });

  test('when a service runs here, then its memory is read by pid and its metrics listener is never asked', async () => {
    // A process that holds 96 MB it has written to; its "metrics listener" (port 1) answers nothing.
    const child = spawn(
      process.execPath,
      [
        '-e',
        'const b = Buffer.alloc(96 * 1024 * 1024, 1); process.stdout.write("ready\\n"); setInterval(() => b[0]++, 1000);',
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    try {
      await once(child.stdout, 'data');
      const services = { orders: 'http://127.0.0.1:1' };
      const byPid = new RssSampler(services, { orders: child.pid });
      byPid.start(50);
      const peak = await byPid.stop();
      assert.ok((peak.orders ?? 0) >= 96, `peak ${peak.orders} MB`);
      const byMetrics = new RssSampler(services);
      assert.deepEqual(await byMetrics.stop(), { orders: null });
    } finally {
      child.kill();
    }
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

describe('pgbench summary', () => {
  test('when pgbench prints its summary, then tps and the average latency are read', () => {
    const out = `pgbench (15.19)\ntransaction type: <builtin: simple update>\nlatency average = 5.823 ms\ninitial connection time = 12.3 ms\ntps = 8571.123456 (without initial connection time)\n`;
    assert.deepEqual(parsePgbench(out), { transactionsPerSecond: 8571.123456, latencyAverageMs: 5.823 });
  });

  test('when pgbench prints how many transactions it processed, then the count is read for the CPU per transaction', () => {
    const out =
      'number of transactions actually processed: 61234\nlatency average = 8.1 ms\ntps = 6123.4 (without initial connection time)\n';
    assert.deepEqual(parsePgbench(out), { transactionsPerSecond: 6123.4, latencyAverageMs: 8.1, transactions: 61234 });
  });

  test('when pgbench failed or reported no transactions, then nothing is read', () => {
    assert.equal(parsePgbench('pgbench: error: connection to server failed'), undefined);
    assert.equal(parsePgbench('tps = 0.000000 (without initial connection time)'), undefined);
  });
});
