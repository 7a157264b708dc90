// The SLO generator: slo.yaml is validated with messages that name the field, and each SLO yields its SLI windows
// and a paging and a ticketing burn-rate alert.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { SLO_FILE, loadSloFile, parseSloFile, sloRules, sloWindows } from '../../deploy/observability/src/slo.ts';
import { isAlert } from '../../deploy/observability/src/rule-types.ts';

const source = readFileSync(SLO_FILE, 'utf8');

test('when slo.yaml is loaded, then it declares availability and latency SLOs for order creation, catalog and article reads', () => {
  const file = loadSloFile();
  const kinds = file.slos.map((s) => `${s.name}:${s.sli.kind}`);
  assert.deepEqual(kinds.sort(), [
    'article-read-availability:availability',
    'article-read-latency:latency',
    'catalog-read-availability:availability',
    'catalog-read-latency:latency',
    'order-creation-availability:availability',
    'order-creation-latency:latency',
  ]);
});

test('when rules are generated, then every SLO has each SLI window recorded and one alert per burn-rate severity', () => {
  const file = loadSloFile();
  const rules = sloRules(file).groups.flatMap((g) => g.rules);
  for (const slo of file.slos) {
    for (const w of [...sloWindows(file), file.period]) {
      assert.ok(
        rules.some((r) => !isAlert(r) && r.record === `slo:sli_error:ratio_rate${w}` && r.labels?.slo === slo.name),
        `${slo.name} ${w}`,
      );
    }
    const alerts = rules.filter(isAlert).filter((a) => a.alert === slo.alert);
    assert.deepEqual(alerts.map((a) => a.labels.severity).sort(), ['critical', 'warning']);
  }
});

test('when the page condition is rendered, then its threshold is the burn factor times the error budget', () => {
  const file = loadSloFile();
  const alert = sloRules(file)
    .groups.flatMap((g) => g.rules)
    .filter(isAlert)
    .find((a) => a.labels.slo === 'order-creation-availability' && a.labels.severity === 'critical');
  assert.ok(alert);
  // 14.4 x (1 - 0.995) and 6 x (1 - 0.995)
  assert.match(
    alert.expr,
    /ratio_rate1h\{slo="order-creation-availability"\} > 0\.072 and .*ratio_rate5m\{slo="order-creation-availability"\} > 0\.072/,
  );
  assert.match(
    alert.expr,
    /ratio_rate6h\{slo="order-creation-availability"\} > 0\.03 and .*ratio_rate30m\{slo="order-creation-availability"\} > 0\.03/,
  );
});

test('when a latency threshold is not a histogram bucket, then loading fails naming the field', () => {
  const bad = source.replace('thresholdSeconds: 0.25', 'thresholdSeconds: 0.3');
  assert.notEqual(bad, source);
  assert.throws(() => parseSloFile(bad), /slos\[3\]\.sli\.thresholdSeconds must be a histogram bucket/);
});

test('when an objective is 100%, then loading fails, because there would be no error budget', () => {
  const bad = source.replace('objective: 0.999', 'objective: 1');
  assert.throws(() => parseSloFile(bad), /slos\[2\]\.objective must be between 0 and 1/);
});

test('when a burn-rate window is not a duration, then loading fails naming it', () => {
  const bad = source.replace('longWindow: 6h', 'longWindow: six hours');
  assert.throws(
    () => parseSloFile(bad),
    /burnRateAlerts\[0\]\.conditions\[1\]\.longWindow must be a Prometheus duration/,
  );
});
