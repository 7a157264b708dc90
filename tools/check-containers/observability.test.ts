// The compose observability profile: real validators (promtool, amtool from Debian's prometheus packages) on the
// files compose mounts, and cross-checks with compose.yaml where no validator runs offline.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ALERTMANAGER_CONFIG,
  ALLOY_CONFIG,
  DASHBOARDS_DIR,
  DATASOURCES,
  OTEL_CONFIG,
  PROMETHEUS_CONFIG,
  RULES_DIR,
  alloyConfig,
  amtoolCheckConfig,
  grafanaDatasources,
  otelCollectorConfig,
  prometheusScrapesServices,
  promtoolCheckConfig,
  yamlFilesValid,
} from './lib/observability.ts';
import { formatFindings, type Finding } from './lib/findings.ts';
import { diskRepo, overlayRepo, type Repo } from './lib/repo.ts';

const repo = diskRepo();

function editFile(path: string, from: string | RegExp, to: string): Repo {
  const text = repo.read(path);
  const changed = text.replace(from, to);
  assert.notEqual(changed, text, `the edit must change ${path}`);
  return overlayRepo(repo, { [path]: changed });
}

const only = (findings: Finding[], rule: string, message: RegExp) => {
  assert.ok(findings.length > 0, 'a finding is expected');
  assert.deepEqual([...new Set(findings.map((f) => f.rule))], [rule], formatFindings(findings));
  assert.match(findings.map((f) => f.message).join('\n'), message);
};

test('when the compose Prometheus config and the shared rules are checked by promtool, then they pass', () => {
  assert.ok(
    repo.filesUnder(RULES_DIR).some((f) => f.endsWith('.yaml')),
    'the rules compose mounts exist',
  );
  assert.equal(formatFindings(promtoolCheckConfig(repo)), 'no findings');
});

test('when the Prometheus config has an invalid duration, then promtool fails', () => {
  only(
    promtoolCheckConfig(editFile(PROMETHEUS_CONFIG, 'scrape_interval: 15s', 'scrape_interval: fifteen')),
    'promtool',
    /promtool check config failed/,
  );
});

test('when a rule file mounted into Prometheus is broken, then promtool fails through the rule_files glob', () => {
  const r = overlayRepo(repo, {
    [`${RULES_DIR}/zz-broken.yaml`]:
      'groups:\n  - name: broken\n    rules:\n      - alert: Broken\n        expr: sum(rate(x[5m]) by\n',
  });
  only(promtoolCheckConfig(r), 'promtool', /zz-broken\.yaml/);
});

test('when the Alertmanager config compose mounts is checked by amtool, then it passes', () => {
  assert.equal(formatFindings(amtoolCheckConfig(repo)), 'no findings');
});

test('when the Alertmanager config routes to an undefined receiver, then amtool fails', () => {
  only(
    amtoolCheckConfig(editFile(ALERTMANAGER_CONFIG, /receiver: ticket\n/, 'receiver: nobody\n')),
    'amtool',
    /amtool check-config failed/,
  );
});

test('when the YAML under deploy/compose is parsed, then every file is valid', () => {
  assert.equal(formatFindings(yamlFilesValid(repo)), 'no findings');
});

test('when a YAML file under deploy/compose is broken, then yaml fires', () => {
  only(yamlFilesValid(editFile(OTEL_CONFIG, 'receivers:\n', 'receivers: [\n')), 'yaml', /not valid YAML/);
});

test('when Prometheus targets are compared with compose and the config schemas, then each service is scraped at its port with its service label', () => {
  assert.equal(formatFindings(prometheusScrapesServices(repo)), 'no findings');
});

test('when a service is scraped at the wrong port, then prometheus-targets fires', () => {
  only(
    prometheusScrapesServices(editFile(PROMETHEUS_CONFIG, '"users:9001"', '"users:3001"')),
    'prometheus-targets',
    /no job scrapes users:9001/,
  );
});

test('when a scrape job drops the service label, then prometheus-targets fires', () => {
  only(
    prometheusScrapesServices(editFile(PROMETHEUS_CONFIG, '          service: orders\n', '')),
    'prometheus-targets',
    /up\{service="orders"\}/,
  );
});

test('when a scrape target is not a compose service, then prometheus-targets fires', () => {
  only(
    prometheusScrapesServices(editFile(PROMETHEUS_CONFIG, '"loki:3100"', '"logs:3100"')),
    'prometheus-targets',
    /logs is not a compose service/,
  );
});

test('when Grafana provisioning is compared with the dashboards, then every datasource they use exists', () => {
  assert.ok(
    repo.filesUnder(DASHBOARDS_DIR).some((f) => f.endsWith('.json')),
    'the dashboards compose mounts exist',
  );
  assert.equal(formatFindings(grafanaDatasources(repo)), 'no findings');
});

test('when the Loki datasource is not provisioned, then grafana-datasources fires', () => {
  only(
    grafanaDatasources(editFile(DATASOURCES, 'uid: loki', 'uid: logs')),
    'grafana-datasources',
    /no datasource with uid "loki"/,
  );
});

test('when a dashboard refers to a datasource uid that is not provisioned, then grafana-datasources fires', () => {
  const file = repo.filesUnder(DASHBOARDS_DIR).find((f) => f.endsWith('.json')) ?? '';
  const dash = JSON.parse(repo.read(file)) as { panels?: unknown[] };
  dash.panels = [
    ...(dash.panels ?? []),
    { type: 'timeseries', title: 'x', datasource: { type: 'tempo', uid: 'tempo' } },
  ];
  only(
    grafanaDatasources(overlayRepo(repo, { [file]: JSON.stringify(dash) })),
    'grafana-datasources',
    /datasource uid "tempo"/,
  );
});

test('when the collector config is checked, then its pipelines are complete and it receives OTLP/HTTP on 4318', () => {
  assert.equal(formatFindings(otelCollectorConfig(repo)), 'no findings');
});

test('when a collector pipeline uses an undefined exporter, then otel-collector fires', () => {
  only(
    otelCollectorConfig(editFile(OTEL_CONFIG, 'exporters: [otlp/jaeger]', 'exporters: [otlp/tempo]')),
    'otel-collector',
    /uses exporter otlp\/tempo, which is not defined/,
  );
});

test('when the collector listens for OTLP/HTTP on another port, then otel-collector fires', () => {
  only(otelCollectorConfig(editFile(OTEL_CONFIG, '0.0.0.0:4318', '0.0.0.0:4319')), 'otel-collector', /not :4318/);
});

test('when the collector exports to a host that is not a compose service, then otel-collector fires', () => {
  only(
    otelCollectorConfig(editFile(OTEL_CONFIG, 'endpoint: jaeger:4317', 'endpoint: tempo:4317')),
    'otel-collector',
    /tempo is not a compose service/,
  );
});

test('when the Alloy config is checked, then it ships this project to the compose Loki', () => {
  assert.equal(formatFindings(alloyConfig(repo)), 'no findings');
});

test('when Alloy writes to a host that is not a compose service, then alloy fires', () => {
  only(
    alloyConfig(editFile(ALLOY_CONFIG, 'http://loki:3100', 'http://logs:3100')),
    'alloy',
    /writes to logs, which is not a compose service/,
  );
});

test('when Alloy selects another compose project, then alloy fires', () => {
  only(
    alloyConfig(editFile(ALLOY_CONFIG, 'com.docker.compose.project=shipshape', 'com.docker.compose.project=other')),
    'alloy',
    /compose project "shipshape"/,
  );
});

test('when the Alloy config loses a closing brace, then alloy fires', () => {
  only(alloyConfig(editFile(ALLOY_CONFIG, /\}\s*$/, '')), 'alloy', /unbalanced braces/);
});
