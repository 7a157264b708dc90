import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AnalysisError, loadAnalysis, renderQuery, resolveAnalysis } from '../analysis.ts';
import { judgeMeasurement, judgeMetric, verdict } from '../decide.ts';

const analysis = loadAnalysis();
const errorRatio = analysis.metrics.find((m) => m.name === 'error-ratio');
const p99 = analysis.metrics.find((m) => m.name === 'p99-latency');
assert.ok(errorRatio && p99, 'the analysis declares error-ratio and p99-latency');
const enough = analysis.minRequests;
const healthy = { 'error-ratio': { canary: 0, stable: 0 }, 'p99-latency': { canary: 0.05, stable: 0.05 } };

describe('one metric', () => {
  test('when the canary has no data, then it is Inconclusive, not a pass', () => {
    assert.equal(judgeMetric(errorRatio, undefined, 0).phase, 'Inconclusive');
  });
  test('when the stable version has no data, then it is Inconclusive', () => {
    assert.equal(judgeMetric(errorRatio, 0, undefined).phase, 'Inconclusive');
  });
  test('when a query returns NaN (0/0: no requests in the window), then it is Inconclusive', () => {
    assert.equal(judgeMetric(errorRatio, Number.NaN, 0).phase, 'Inconclusive');
    assert.equal(judgeMetric(p99, 0.1, Number.NaN).phase, 'Inconclusive');
  });
  test('when a value is infinite (histogram_quantile past the last bucket), then it is Inconclusive', () => {
    assert.equal(judgeMetric(p99, Number.POSITIVE_INFINITY, 0.1).phase, 'Inconclusive');
  });
  test('when the canary is exactly at the limit, then it passes; just above, it fails', () => {
    assert.equal(judgeMetric(errorRatio, 0.01, 0).phase, 'Successful');
    assert.equal(judgeMetric(p99, 0.3, 0.1).phase, 'Successful', '0.1 + 0.2 is 0.30000000000000004 in floating point');
    assert.equal(judgeMetric(errorRatio, 0.0101, 0).phase, 'Failed');
    assert.equal(judgeMetric(p99, 0.301, 0.1).phase, 'Failed');
  });
  test('when the stable version is bad too, then the canary is judged against it, not against zero', () => {
    assert.equal(judgeMetric(errorRatio, 0.05, 0.045).phase, 'Successful');
    assert.equal(judgeMetric(errorRatio, 0.1, 0).phase, 'Failed');
  });
});

describe('one measurement', () => {
  test('when every metric is within its limit with enough traffic, then it is Successful', () => {
    assert.equal(judgeMeasurement(analysis, enough, healthy).phase, 'Successful');
  });
  test('when the canary served too few requests, then it is Inconclusive even though the metrics look fine', () => {
    const m = judgeMeasurement(analysis, enough - 1, healthy);
    assert.equal(m.phase, 'Inconclusive');
    assert.match(m.reason, /fewer than/);
  });
  test('when the traffic query is empty or NaN, then it is Inconclusive', () => {
    assert.equal(judgeMeasurement(analysis, undefined, healthy).phase, 'Inconclusive');
    assert.equal(judgeMeasurement(analysis, Number.NaN, healthy).phase, 'Inconclusive');
  });
  test('when the traffic is exactly the minimum, then it counts', () => {
    assert.equal(judgeMeasurement(analysis, enough, healthy).phase, 'Successful');
  });
  test('when one metric fails and another has no data, then the measurement is Failed', () => {
    const m = judgeMeasurement(analysis, enough, {
      'error-ratio': { canary: 0.1, stable: 0 },
      'p99-latency': { canary: undefined, stable: 0.05 },
    });
    assert.equal(m.phase, 'Failed');
    assert.match(m.reason, /error-ratio/);
  });
  test('when a metric has no data and none failed, then it is Inconclusive', () => {
    const m = judgeMeasurement(analysis, enough, { ...healthy, 'p99-latency': { canary: Number.NaN, stable: 0.05 } });
    assert.equal(m.phase, 'Inconclusive');
  });
  test('when a metric is missing from the results altogether, then it is Inconclusive', () => {
    assert.equal(judgeMeasurement(analysis, enough, { 'error-ratio': { canary: 0, stable: 0 } }).phase, 'Inconclusive');
  });
  test('when the canary is 300 ms slower, then it is Failed', () => {
    const m = judgeMeasurement(analysis, enough, { ...healthy, 'p99-latency': { canary: 0.35, stable: 0.05 } });
    assert.equal(m.phase, 'Failed');
  });
});

describe('the verdict', () => {
  const limits = { count: 3, failureLimit: 0, inconclusiveLimit: 1 };
  const S = { phase: 'Successful' as const };
  const F = { phase: 'Failed' as const };
  const I = { phase: 'Inconclusive' as const };
  test('when no measurement was taken, then there is no verdict yet (never a pass)', () => {
    assert.equal(verdict(limits, []).phase, undefined);
  });
  test('when all measurements succeed, then it is Successful only after the last one', () => {
    assert.equal(verdict(limits, [S, S]).phase, undefined);
    assert.equal(verdict(limits, [S, S, S]).phase, 'Successful');
  });
  test('when a failure exceeds the limit, then it is Failed at once, without waiting for the rest', () => {
    assert.equal(verdict(limits, [F]).phase, 'Failed');
    assert.equal(verdict({ ...limits, failureLimit: 1 }, [F]).phase, undefined);
    assert.equal(verdict({ ...limits, failureLimit: 1 }, [F, S, F]).phase, 'Failed');
  });
  test('when inconclusive measurements exceed their limit, then it is Inconclusive, not Successful', () => {
    assert.equal(verdict(limits, [I, S, S]).phase, 'Successful');
    assert.equal(verdict(limits, [I, I]).phase, 'Inconclusive');
  });
  test('when nothing but inconclusive measurements arrive with a generous limit, then it is still no pass', () => {
    assert.equal(verdict({ ...limits, inconclusiveLimit: 3 }, [I, I, I]).phase, 'Inconclusive');
  });
});

describe('the analysis file', () => {
  test('when a profile is chosen, then only the timing changes and the queries and thresholds stay', () => {
    const r = loadAnalysis('rehearsal');
    assert.notEqual(r.interval, analysis.interval);
    assert.deepEqual(r.metrics, analysis.metrics);
    assert.equal(r.traffic, analysis.traffic);
  });
  test('when a profile does not exist, then loading fails naming the profiles there are', () => {
    assert.throws(() => loadAnalysis('nope'), /profiles: rehearsal/);
  });
  test('when a field is unknown or a threshold negative, then the analysis is refused', () => {
    assert.throws(() => resolveAnalysis({ ...analysis, extra: 1 }), AnalysisError);
    const bad = { ...analysis, metrics: [{ ...analysis.metrics[0], maxAbove: -1 }] };
    assert.throws(() => resolveAnalysis(bad), AnalysisError);
  });
  test('when a query has an unknown placeholder, then rendering fails instead of querying nothing', () => {
    assert.throws(() => renderQuery('up{x="{{nope}}"}', { service: 's', track: 'canary', window: '1m' }), /nope/);
    for (const q of [analysis.traffic, ...analysis.metrics.map((m) => m.query)]) {
      const rendered = renderQuery(q, { service: 'products', track: 'canary', window: '1m' });
      assert.doesNotMatch(rendered, /\{\{/);
      assert.match(rendered, /track="canary"/);
    }
  });
});
