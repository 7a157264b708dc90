// Dashboard checks: the JSON model validates against a JSON schema derived from Grafana's own Dashboard type
// (@grafana/grafana-foundation-sdk), panels query the `datasource` variable, and every query can be run.
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Ajv, type ErrorObject } from 'ajv';
import { createGenerator } from 'ts-json-schema-generator';
import type { Finding } from '../../findings.ts';
import { CACHE_DIR } from './paths.ts';

const require = createRequire(import.meta.url);

/** A dashboard as the checks read it: only what they look at is typed. */
export interface DashboardJson {
  uid?: string;
  title?: string;
  templating?: { list?: { name?: string; type?: string; query?: unknown; datasource?: { uid?: string } }[] };
  panels?: PanelJson[];
}

export interface PanelJson {
  id?: number;
  type?: string;
  title?: string;
  datasource?: { type?: string; uid?: string };
  targets?: { refId?: string; expr?: string; datasource?: { uid?: string } }[];
  panels?: PanelJson[];
}

export interface PanelQuery {
  dashboard: string;
  panel: string;
  refId: string;
  expr: string;
}

export const DATASOURCE_UID = '${datasource}';

/** Panel types the dashboards use, with the SDK module that declares their options and field config. */
const PANEL_MODULES = [
  { type: 'timeseries', module: 'timeseries', fieldConfig: true },
  { type: 'stat', module: 'stat', fieldConfig: false },
  { type: 'state-timeline', module: 'statetimeline', fieldConfig: true },
] as const;

type Schema = { definitions?: Record<string, unknown> } & Record<string, unknown>;

/** One type's schema with its definitions renamed `<prefix>.<name>`, so modules can share one document. */
function typeSchema(sdkRoot: string, module: string, type: string): Record<string, unknown> {
  const schema = createGenerator({
    path: join(sdkRoot, 'dist', module, 'types.gen.d.ts'),
    type,
    skipTypeCheck: true,
    additionalProperties: false,
  }).createSchema(type) as Schema;
  const text = JSON.stringify(schema.definitions ?? {}).replaceAll('"#/definitions/', `"#/definitions/${module}.`);
  return Object.fromEntries(
    Object.entries(JSON.parse(text) as Record<string, unknown>).map(([k, v]) => [`${module}.${k}`, v]),
  );
}

/**
 * JSON schema of Grafana's dashboard model, generated from the SDK's TypeScript declarations (the Dashboard type, the
 * Prometheus query type for targets, and each used panel type's options and field config) and cached per SDK version
 * in .cache/ (a fresh clone generates it on first use).
 */
export function dashboardSchema(): object {
  // The package exports no package.json; find its root from an entry point (dist/dashboard/index.js).
  const sdkRoot = join(dirname(require.resolve('@grafana/grafana-foundation-sdk/dashboard')), '..', '..');
  const version = (JSON.parse(readFileSync(join(sdkRoot, 'package.json'), 'utf8')) as { version: string }).version;
  const cached = join(CACHE_DIR, `dashboard-schema-${version}.json`);
  if (existsSync(cached)) return JSON.parse(readFileSync(cached, 'utf8')) as object;
  const schema = createGenerator({
    path: join(sdkRoot, 'dist', 'dashboard', 'types.gen.d.ts'),
    type: 'Dashboard',
    skipTypeCheck: true,
    additionalProperties: false,
  }).createSchema('Dashboard') as Schema;
  const definitions: Record<string, unknown> = {
    ...schema.definitions,
    ...typeSchema(sdkRoot, 'prometheus', 'dataquery'),
  };
  // cog.Dataquery is an open interface; our targets are Prometheus queries.
  definitions.Dataquery = { $ref: '#/definitions/prometheus.dataquery' };
  const panel = definitions.Panel as Record<string, unknown>;
  panel.allOf = PANEL_MODULES.map((m) => {
    Object.assign(definitions, typeSchema(sdkRoot, m.module, 'Options'));
    const then: Record<string, unknown> = { properties: { options: { $ref: `#/definitions/${m.module}.Options` } } };
    if (m.fieldConfig) {
      Object.assign(definitions, typeSchema(sdkRoot, m.module, 'FieldConfig'));
      (then.properties as Record<string, unknown>).fieldConfig = {
        properties: { defaults: { properties: { custom: { $ref: `#/definitions/${m.module}.FieldConfig` } } } },
      };
    }
    return { if: { properties: { type: { const: m.type } }, required: ['type'] }, then };
  });
  (panel.properties as Record<string, unknown>).type = { enum: PANEL_MODULES.map((m) => m.type) };
  const full = { ...schema, definitions };
  mkdirSync(CACHE_DIR, { recursive: true });
  writeFileSync(cached, JSON.stringify(full, null, 2));
  return full;
}

export function schemaValidator() {
  const ajv = new Ajv({ allErrors: true, strict: false });
  const validate = ajv.compile(dashboardSchema());
  return (dashboard: unknown): string[] =>
    validate(dashboard)
      ? []
      : (validate.errors ?? []).map(
          (e: ErrorObject) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`,
        );
}

function flatPanels(panels: PanelJson[] = []): PanelJson[] {
  return panels.flatMap((p) => [p, ...flatPanels(p.panels)]);
}

/**
 * Rules beyond the schema: datasource variable and panels through it (dashboard-linter's template-datasource-rule and
 * panel-datasource-rule), unique ids and queries that go through it (this project's `dashboard-model`).
 */
export function modelProblems(name: string, d: DashboardJson): Finding[] {
  const problems: Finding[] = [];
  const add = (rule: string, where: string, message: string) => problems.push({ rule, where, message });
  const vars = d.templating?.list ?? [];
  const ds = vars.find((v) => v.name === 'datasource');
  if (ds?.type !== 'datasource' || ds.query !== 'prometheus')
    add('template-datasource-rule', name, 'needs a "datasource" template variable of type datasource over prometheus');
  for (const v of vars.filter((v) => v.type === 'query')) {
    if (v.datasource?.uid !== DATASOURCE_UID)
      add('template-datasource-rule', name, `variable ${v.name} must query ${DATASOURCE_UID}`);
  }
  if (!d.uid || !/^[a-z0-9-]{1,40}$/.test(d.uid))
    add('dashboard-model', name, 'uid must be kebab-case, at most 40 characters');
  const ids = new Set<number>();
  for (const p of flatPanels(d.panels)) {
    const where = `${name} / ${p.title ?? `panel ${p.id}`}`;
    if (typeof p.id !== 'number' || ids.has(p.id)) add('dashboard-model', where, 'panel id missing or duplicated');
    else ids.add(p.id);
    if (p.type === 'row') continue;
    if (p.datasource?.uid !== DATASOURCE_UID)
      add('panel-datasource-rule', where, `panel datasource must be ${DATASOURCE_UID}`);
    const targets = p.targets ?? [];
    if (targets.length === 0) add('dashboard-model', where, 'no queries');
    const refIds = new Set<string>();
    for (const t of targets) {
      if (!t.refId || refIds.has(t.refId)) add('dashboard-model', where, 'refId missing or duplicated');
      else refIds.add(t.refId);
      if (t.datasource?.uid !== DATASOURCE_UID)
        add('panel-datasource-rule', where, `query ${t.refId} datasource must be ${DATASOURCE_UID}`);
      if (!t.expr?.trim()) add('dashboard-model', where, `query ${t.refId} has no expression`);
    }
  }
  return problems;
}

export function panelQueries(name: string, d: DashboardJson): PanelQuery[] {
  return flatPanels(d.panels)
    .filter((p) => p.type !== 'row')
    .flatMap((p) =>
      (p.targets ?? []).map((t) => ({
        dashboard: name,
        panel: p.title ?? String(p.id),
        refId: t.refId ?? '?',
        expr: t.expr ?? '',
      })),
    );
}

/** Grafana's built-in interval variables, and "All" for the dashboards' own variables. */
const SUBSTITUTIONS: Record<string, string> = {
  __rate_interval: '1m',
  __interval: '15s',
  __range: '1h',
  service: '.+',
  namespace: '.+',
};

/** The query as Grafana sends it to Prometheus; throws on a variable the dashboards do not define. */
export function substituteVariables(expr: string): string {
  return expr.replace(/\$\{?(\w+)\}?/g, (whole, name: string) => {
    const value = SUBSTITUTIONS[name];
    if (value === undefined) throw new Error(`unknown template variable ${whole} in ${expr}`);
    return value;
  });
}

export function loadDashboards(dir: string): { name: string; json: DashboardJson }[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => ({ name: f, json: JSON.parse(readFileSync(join(dir, f), 'utf8')) as DashboardJson }));
}
