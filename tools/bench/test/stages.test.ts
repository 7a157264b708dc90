// The order steps the benchmark reports come from orders' stage histogram, read before and after a scenario.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Histogram, Registry } from 'prom-client';
import { ORDER_STAGE_BUCKETS } from '../../../services/orders/src/domain/place-order.ts';
import { STAGE_HISTOGRAM, bucketQuantile, parseStageBuckets, stageLatency } from '../stages.ts';

/** A registry holding the stage histogram as orders declares it. */
function stageHistogram() {
  const registry = new Registry();
  const h = new Histogram({
    name: STAGE_HISTOGRAM,
    help: 'steps',
    labelNames: ['stage'],
    buckets: ORDER_STAGE_BUCKETS,
    registers: [registry],
  });
  return { registry, h };
}

test('when a scenario adds observations, then each step gets its count and quantiles from the buckets that moved', async () => {
  const { registry, h } = stageHistogram();
  // Before the scenario: slow reservations that must not count.
  for (let i = 0; i < 50; i++) h.observe({ stage: 'reserve' }, 0.2);
  const before = parseStageBuckets(await registry.metrics());
  for (let i = 0; i < 98; i++) h.observe({ stage: 'reserve' }, 0.003);
  h.observe({ stage: 'reserve' }, 0.04);
  h.observe({ stage: 'reserve' }, 0.045);
  h.observe({ stage: 'claim' }, 0.0015);
  const after = parseStageBuckets(await registry.metrics());

  const steps = stageLatency(before, after);
  // p50: rank 50 of 98 in (2.5 ms, 5 ms]: 2.5 + 2.5 × 50 / 98. p99: rank 99, the first of 2 in (35 ms, 50 ms].
  assert.deepEqual(steps.reserve, { count: 100, p50Ms: 3.8, p99Ms: 42.5 });
  // One observation in (1 ms, 2.5 ms]: 1 + 1.5 × 0.5 and 1 + 1.5 × 0.99.
  assert.deepEqual(steps.claim, { count: 1, p50Ms: 1.8, p99Ms: 2.5 });
  assert.equal(steps.record, undefined, 'a step with no observations is left out');
});

test('when orders restarted between the readings, or nothing moved, then the step is left out', async () => {
  const { registry, h } = stageHistogram();
  for (let i = 0; i < 10; i++) h.observe({ stage: 'record' }, 0.002);
  h.observe({ stage: 'claim' }, 0.002);
  const before = parseStageBuckets(await registry.metrics());
  h.reset();
  h.observe({ stage: 'record' }, 0.002);
  h.observe({ stage: 'claim' }, 0.002);
  const after = parseStageBuckets(await registry.metrics());
  assert.deepEqual(stageLatency(before, after), {});
  assert.deepEqual(stageLatency(after, after), {});
});

test('when a quantile falls past the last finite bucket, then it is that bound, as histogram_quantile answers', () => {
  const buckets = new Map([
    [0.01, 1],
    [1, 2],
    [Number.POSITIVE_INFINITY, 10],
  ]);
  assert.equal(bucketQuantile(0.99, buckets), 1);
  assert.equal(bucketQuantile(0.05, buckets), 0.005);
  assert.equal(bucketQuantile(0.5, new Map([[Number.POSITIVE_INFINITY, 0]])), undefined);
});

test('when the exposition has other metrics and labels, then only the stage buckets are read', () => {
  const text = [
    `# HELP ${STAGE_HISTOGRAM} steps`,
    `${STAGE_HISTOGRAM}_bucket{le="0.005",stage="reserve",service="orders"} 3`,
    `${STAGE_HISTOGRAM}_bucket{le="+Inf",stage="reserve",service="orders"} 4`,
    `${STAGE_HISTOGRAM}_sum{stage="reserve",service="orders"} 0.02`,
    `${STAGE_HISTOGRAM}_count{stage="reserve",service="orders"} 4`,
    'http_server_request_duration_seconds_bucket{le="0.005",route="/orders"} 99',
  ].join('\n');
  assert.deepEqual(parseStageBuckets(text), {
    reserve: new Map([
      [0.005, 3],
      [Number.POSITIVE_INFINITY, 4],
    ]),
  });
});
