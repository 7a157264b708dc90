// The compose observability profile's configs (deploy/compose), checked without running them: promtool and amtool
// where a real validator exists, and cross-checks against compose.yaml and the config schemas where none does.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { parse as parseYaml, parseDocument } from 'yaml';
import type { Finding } from './findings.ts';
import type { Repo } from './repo.ts';
import { composeServices, loadCompose } from './compose.ts';
import { SERVICE_CONTRACTS, SERVICE_NAMES } from './config-schemas.ts';
import { METRICS_PORT_OFFSET } from '@shipshape/platform/config';

export const COMPOSE_CONFIG_DIR = 'deploy/compose';
export const PROMETHEUS_CONFIG = 'deploy/compose/prometheus/prometheus.yml';
export const RULES_DIR = 'deploy/observability/rules';
export const ALERTMANAGER_CONFIG = 'deploy/observability/alertmanager/alertmanager.yml';
export const DASHBOARDS_DIR = 'deploy/observability/dashboards';
export const DATASOURCES = 'deploy/compose/grafana/provisioning/datasources/datasources.yaml';
export const OTEL_CONFIG = 'deploy/compose/otel-collector/config.yaml';
export const ALLOY_CONFIG = 'deploy/compose/alloy/config.alloy';
/** Datasource uids the compose Grafana must provide (dashboards and alert links refer to them). */
export const REQUIRED_DATASOURCE_UIDS = ['prometheus', 'loki', 'jaeger'];

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const asObj = (v: unknown): Obj => (isObj(v) ? v : {});
const asList = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

export interface ToolResult {
  ok: boolean;
  output: string;
}

/** Runs a Debian-packaged validator; a missing binary is a failure that says what to install. */
export function runTool(bin: string, args: string[], debianPackage: string): ToolResult {
  const r = spawnSync(bin, args, { encoding: 'utf8', timeout: 60_000 });
  if (r.error)
    return {
      ok: false,
      output: `${bin} could not run (${(r.error as NodeJS.ErrnoException).code ?? r.error.message}): apt-get install ${debianPackage}`,
    };
  return { ok: r.status === 0, output: `${r.stdout}${r.stderr}`.trim() };
}

/** Writes the given repository files into a temporary folder (so a test can check a broken copy) and runs `fn` there. */
export function withFiles<T>(repo: Repo, files: Record<string, string>, fn: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'check-containers-'));
  try {
    for (const [to, from] of Object.entries(files)) {
      mkdirSync(join(dir, posix.dirname(to)), { recursive: true });
      writeFileSync(join(dir, to), repo.read(from));
    }
    return fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * `promtool check config` on the compose Prometheus config laid out as compose mounts it: the config, with the
 * shared rules beside it in rules/, so the rule_files glob is checked against the real rules too.
 */
export function promtoolCheckConfig(repo: Repo, config = PROMETHEUS_CONFIG): Finding[] {
  const files: Record<string, string> = { 'prometheus.yml': config };
  for (const f of repo.filesUnder(RULES_DIR).filter((x) => /\.ya?ml$/.test(x) && posix.dirname(x) === RULES_DIR))
    files[`rules/${posix.basename(f)}`] = f;
  const r = withFiles(repo, files, (dir) =>
    runTool('promtool', ['check', 'config', join(dir, 'prometheus.yml')], 'prometheus'),
  );
  return r.ok ? [] : [{ rule: 'promtool', file: config, message: `promtool check config failed:\n${r.output}` }];
}

export function amtoolCheckConfig(repo: Repo, config = ALERTMANAGER_CONFIG): Finding[] {
  if (!repo.exists(config))
    return [{ rule: 'amtool', file: config, message: 'missing: compose mounts it into Alertmanager.' }];
  const r = withFiles(repo, { 'alertmanager.yml': config }, (dir) =>
    runTool('amtool', ['check-config', join(dir, 'alertmanager.yml')], 'prometheus-alertmanager'),
  );
  return r.ok ? [] : [{ rule: 'amtool', file: config, message: `amtool check-config failed:\n${r.output}` }];
}

/** Every YAML file under deploy/compose parses. */
export function yamlFilesValid(repo: Repo): Finding[] {
  return repo
    .filesUnder(COMPOSE_CONFIG_DIR)
    .filter((f) => /\.ya?ml$/.test(f))
    .flatMap((f) =>
      parseDocument(repo.read(f)).errors.map((e) => ({
        rule: 'yaml',
        file: f,
        message: `not valid YAML: ${e.message}`,
      })),
    );
}

/**
 * Prometheus scrapes each service where compose runs it, on its metrics listener (PORT + METRICS_PORT_OFFSET), and
 * puts the `service` label the alert rules select on.
 */
export function prometheusScrapesServices(repo: Repo, config = PROMETHEUS_CONFIG): Finding[] {
  const prom = asObj(parseYaml(repo.read(config)));
  const composeNames = new Set(composeServices(loadCompose(repo)).map((s) => s.name));
  const findings: Finding[] = [];
  const targets = asList(prom.scrape_configs).flatMap((j) =>
    asList(asObj(j).static_configs).flatMap((sc) =>
      asList(asObj(sc).targets).map((t) => ({
        job: String(asObj(j).job_name),
        target: String(t),
        labels: asObj(asObj(sc).labels),
        honor: asObj(j).honor_labels === true,
      })),
    ),
  );
  for (const t of targets) {
    const host = t.target.split(':')[0] ?? '';
    if (host !== 'localhost' && !composeNames.has(host))
      findings.push({
        rule: 'prometheus-targets',
        file: config,
        message: `job ${t.job} scrapes ${t.target}, but ${host} is not a compose service.`,
      });
  }
  for (const svc of SERVICE_NAMES) {
    const want = `${svc}:${(SERVICE_CONTRACTS[svc].defaultPort ?? 0) + METRICS_PORT_OFFSET}`;
    const t = targets.find((x) => x.target === want);
    if (!t)
      findings.push({
        rule: 'prometheus-targets',
        file: config,
        message: `no job scrapes ${want} (the ${svc} service's metrics listener: its default PORT + ${METRICS_PORT_OFFSET}).`,
      });
    else if (t.labels.service !== svc || !t.honor) {
      findings.push({
        rule: 'prometheus-targets',
        file: config,
        message: `job ${t.job} must set labels.service: ${svc} and honor_labels: true, so up{service="${svc}"} exists for the alert rules.`,
      });
    }
  }
  return findings;
}

interface Datasource {
  uid: string;
  type: string;
  url: string;
}

export function provisionedDatasources(repo: Repo, file = DATASOURCES): Datasource[] {
  return asList(asObj(parseYaml(repo.read(file))).datasources).map((d) => ({
    uid: String(asObj(d).uid ?? ''),
    type: String(asObj(d).type ?? ''),
    url: String(asObj(d).url ?? ''),
  }));
}

/** Grafana gets the datasources the dashboards use, each pointing at a compose service. */
export function grafanaDatasources(repo: Repo, file = DATASOURCES): Finding[] {
  const findings: Finding[] = [];
  const ds = provisionedDatasources(repo, file);
  const uids = new Set(ds.map((d) => d.uid));
  const types = new Set(ds.map((d) => d.type));
  for (const uid of REQUIRED_DATASOURCE_UIDS)
    if (!uids.has(uid))
      findings.push({ rule: 'grafana-datasources', file, message: `no datasource with uid "${uid}".` });
  const composeNames = new Set(composeServices(loadCompose(repo)).map((s) => s.name));
  for (const d of ds) {
    const host = URL.canParse(d.url) ? new URL(d.url).hostname : '';
    if (!composeNames.has(host))
      findings.push({
        rule: 'grafana-datasources',
        file,
        message: `datasource ${d.uid} points at ${d.url}, which is not a compose service.`,
      });
  }
  for (const f of repo.filesUnder(DASHBOARDS_DIR).filter((x) => x.endsWith('.json'))) {
    const dash = JSON.parse(repo.read(f)) as unknown;
    const refs: Obj[] = [];
    const walk = (v: unknown) => {
      if (Array.isArray(v)) v.forEach(walk);
      else if (isObj(v)) {
        if (isObj(v.datasource)) refs.push(v.datasource);
        Object.values(v).forEach(walk);
      }
    };
    walk(dash);
    for (const r of refs) {
      const uid = String(r.uid ?? '');
      if (uid && !uid.startsWith('$') && !uid.startsWith('-- ') && uid !== 'grafana' && !uids.has(uid)) {
        findings.push({
          rule: 'grafana-datasources',
          file: f,
          message: `refers to datasource uid "${uid}", which ${file} does not provision.`,
        });
      }
    }
    for (const v of asList(asObj(asObj(dash).templating).list)) {
      const variable = asObj(v);
      if (variable.type === 'datasource' && typeof variable.query === 'string' && !types.has(variable.query)) {
        findings.push({
          rule: 'grafana-datasources',
          file: f,
          message: `variable ${String(variable.name)} picks a ${variable.query} datasource, and none is provisioned.`,
        });
      }
    }
  }
  return findings;
}

/** Every pipeline component of the collector is defined, its OTLP/HTTP port is the one the docs give the services, and exporters reach compose services. */
export function otelCollectorConfig(repo: Repo, file = OTEL_CONFIG): Finding[] {
  const c = asObj(parseYaml(repo.read(file)));
  const findings: Finding[] = [];
  const service = asObj(c.service);
  for (const [name, p] of Object.entries(asObj(service.pipelines))) {
    for (const kind of ['receivers', 'processors', 'exporters'] as const) {
      for (const comp of asList(asObj(p)[kind]).map(String)) {
        if (!(comp in asObj(c[kind])))
          findings.push({
            rule: 'otel-collector',
            file,
            message: `pipeline ${name} uses ${kind.slice(0, -1)} ${comp}, which is not defined under ${kind}.`,
          });
      }
    }
  }
  for (const ext of asList(service.extensions).map(String)) {
    if (!(ext in asObj(c.extensions)))
      findings.push({
        rule: 'otel-collector',
        file,
        message: `service.extensions uses ${ext}, which is not defined under extensions.`,
      });
  }
  const httpEndpoint = String(asObj(asObj(asObj(asObj(c.receivers).otlp).protocols).http).endpoint ?? '');
  if (!httpEndpoint.endsWith(':4318'))
    findings.push({
      rule: 'otel-collector',
      file,
      message: `the OTLP/HTTP receiver listens on "${httpEndpoint}", not :4318 (services are told http://otel-collector:4318).`,
    });
  const composeNames = new Set(composeServices(loadCompose(repo)).map((s) => s.name));
  for (const [name, e] of Object.entries(asObj(c.exporters))) {
    const endpoint = asObj(e).endpoint;
    if (typeof endpoint !== 'string') continue;
    const host = endpoint.replace(/^\w+:\/\//, '').split(':')[0] ?? '';
    if (!composeNames.has(host))
      findings.push({
        rule: 'otel-collector',
        file,
        message: `exporter ${name} sends to ${endpoint}, but ${host} is not a compose service.`,
      });
  }
  return findings;
}

/** Alloy ships this compose project's logs to the compose Loki (its config language has no offline validator here). */
export function alloyConfig(repo: Repo, file = ALLOY_CONFIG): Finding[] {
  if (!repo.exists(file)) return [{ rule: 'alloy', file, message: 'missing: compose mounts it into Alloy.' }];
  const text = repo.read(file);
  const p = loadCompose(repo);
  const findings: Finding[] = [];
  const project = String(p.resolved.name ?? '');
  if (!text.includes(`com.docker.compose.project=${project}`))
    findings.push({
      rule: 'alloy',
      file,
      message: `does not select containers of the compose project "${project}" (label com.docker.compose.project=${project}).`,
    });
  const names = new Set(composeServices(p).map((s) => s.name));
  for (const m of text.matchAll(/url\s*=\s*"https?:\/\/([^:/"]+)/g)) {
    if (!names.has(m[1] ?? ''))
      findings.push({ rule: 'alloy', file, message: `writes to ${m[1] ?? ''}, which is not a compose service.` });
  }
  // Braces balance: a cheap guard against a truncated block, since alloy fmt is not available offline.
  const depth = [...text.replace(/"(?:[^"\\]|\\.)*"/g, '').replace(/\/\/.*$/gm, '')].reduce(
    (d, ch) => d + (ch === '{' ? 1 : ch === '}' ? -1 : 0),
    0,
  );
  if (depth !== 0) findings.push({ rule: 'alloy', file, message: 'unbalanced braces.' });
  return findings;
}
