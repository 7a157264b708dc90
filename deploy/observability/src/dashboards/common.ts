// Shared building blocks: every panel queries the `datasource` template variable, every query has a refId, and
// panels are laid out in rows of fixed-height, full-width grids.
import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import {
  DashboardBuilder,
  DashboardCursorSync,
  DatasourceVariableBuilder,
  MappingType,
  QueryVariableBuilder,
  RowBuilder,
  ThresholdsConfigBuilder,
  ThresholdsMode,
  VariableRefresh,
  VariableSort,
  type Dashboard,
  type DataSourceRef,
  type Panel,
  type ValueMapping,
} from '@grafana/grafana-foundation-sdk/dashboard';
import { DataqueryBuilder } from '@grafana/grafana-foundation-sdk/prometheus';
import { PanelBuilder as StatPanel } from '@grafana/grafana-foundation-sdk/stat';
import { PanelBuilder as StateTimelinePanel } from '@grafana/grafana-foundation-sdk/statetimeline';
import { PanelBuilder as TimeseriesPanel } from '@grafana/grafana-foundation-sdk/timeseries';
import {
  StackingConfigBuilder,
  StackingMode,
  VizLegendOptionsBuilder,
  LegendDisplayMode,
  LegendPlacement,
} from '@grafana/grafana-foundation-sdk/common';
import { SERVICE_REGEX } from '../conventions.ts';

/** Panels query whatever Prometheus the viewer picks; nothing names a datasource uid. */
export const DATASOURCE: DataSourceRef = { type: 'prometheus', uid: '${datasource}' };

export interface Query {
  expr: string;
  legend: string;
}

export interface PanelSpec {
  title: string;
  description: string;
  unit: string;
  queries: Query[];
  /** Columns out of 24; panels in a row wrap to the next line when full. */
  width?: number;
  stacked?: boolean;
  min?: number;
  max?: number;
  thresholds?: { value: number; color: string }[];
  mappings?: Record<string, string>;
}

export interface RowSpec {
  title: string;
  panels: { kind: 'timeseries' | 'stat' | 'state'; spec: PanelSpec }[];
}

export const q = (expr: string, legend: string): Query => ({ expr, legend });
export const timeseries = (spec: PanelSpec) => ({ kind: 'timeseries' as const, spec });
export const stat = (spec: PanelSpec) => ({ kind: 'stat' as const, spec });
export const state = (spec: PanelSpec) => ({ kind: 'state' as const, spec });

const REF_IDS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';

function targets(queries: Query[]): cog.Builder<cog.Dataquery>[] {
  return queries.map((query, i) =>
    new DataqueryBuilder()
      .datasource(DATASOURCE)
      .refId(REF_IDS[i] ?? `Q${i}`)
      .expr(query.expr)
      .legendFormat(query.legend)
      .range(),
  );
}

function thresholds(spec: PanelSpec) {
  const steps = [{ value: null, color: 'green' }, ...(spec.thresholds ?? [])];
  return new ThresholdsConfigBuilder().mode(ThresholdsMode.Absolute).steps(steps);
}

function mappings(spec: PanelSpec): ValueMapping[] {
  if (!spec.mappings) return [];
  const options = Object.fromEntries(
    Object.entries(spec.mappings).map(([value, text], index) => [value, { text, index }]),
  );
  return [{ type: MappingType.ValueToText, options }];
}

const HEIGHT = 8;

function panel(
  kind: RowSpec['panels'][number]['kind'],
  spec: PanelSpec,
  id: number,
  x: number,
  y: number,
): cog.Builder<Panel> {
  const w = spec.width ?? 12;
  const gridPos = { x, y, w, h: HEIGHT };
  if (kind === 'stat') {
    const p = new StatPanel()
      .id(id)
      .title(spec.title)
      .description(spec.description)
      .datasource(DATASOURCE)
      .unit(spec.unit)
      .gridPos(gridPos);
    p.targets(targets(spec.queries)).thresholds(thresholds(spec)).mappings(mappings(spec));
    if (spec.min !== undefined) p.min(spec.min);
    if (spec.max !== undefined) p.max(spec.max);
    return p;
  }
  if (kind === 'state') {
    const p = new StateTimelinePanel()
      .id(id)
      .title(spec.title)
      .description(spec.description)
      .datasource(DATASOURCE)
      .unit(spec.unit)
      .gridPos(gridPos);
    p.targets(targets(spec.queries)).thresholds(thresholds(spec)).mappings(mappings(spec));
    return p;
  }
  const p = new TimeseriesPanel()
    .id(id)
    .title(spec.title)
    .description(spec.description)
    .datasource(DATASOURCE)
    .unit(spec.unit)
    .gridPos(gridPos)
    .targets(targets(spec.queries))
    .thresholds(thresholds(spec))
    .mappings(mappings(spec))
    .fillOpacity(spec.stacked ? 40 : 10)
    .legend(
      new VizLegendOptionsBuilder()
        .displayMode(LegendDisplayMode.Table)
        .placement(LegendPlacement.Bottom)
        .showLegend(true)
        .calcs(['lastNotNull', 'max']),
    );
  if (spec.stacked) p.stacking(new StackingConfigBuilder().mode(StackingMode.Normal));
  if (spec.min !== undefined) p.min(spec.min);
  if (spec.max !== undefined) p.max(spec.max);
  return p;
}

export interface DashboardSpec {
  uid: string;
  title: string;
  description: string;
  tags: string[];
  /** Template variables after `datasource`. */
  variables: cog.Builder<import('@grafana/grafana-foundation-sdk/dashboard').VariableModel>[];
  rows: RowSpec[];
}

export function datasourceVariable() {
  return new DatasourceVariableBuilder('datasource').label('Data source').type('prometheus');
}

/** A multi-select variable over a label's values; "All" matches every value. */
export function labelVariable(name: string, label: string, metric: string, labelName: string) {
  return new QueryVariableBuilder(name)
    .label(label)
    .datasource(DATASOURCE)
    .query(`label_values(${metric}, ${labelName})`)
    .refresh(VariableRefresh.OnTimeRangeChanged)
    .sort(VariableSort.AlphabeticalAsc)
    .multi(true)
    .includeAll(true)
    .allValue('.+');
}

export const serviceVariable = () =>
  labelVariable('service', 'Service', 'http_server_request_duration_seconds_count', 'service');

/** Kubernetes containers are named after the service they run. */
export const SERVICE_CONTAINERS = `container=~"${SERVICE_REGEX}"`;

export function buildDashboard(spec: DashboardSpec): Dashboard {
  const d = new DashboardBuilder(spec.title)
    .uid(spec.uid)
    .description(spec.description)
    .tags(['shipshape', ...spec.tags])
    .editable()
    .tooltip(DashboardCursorSync.Crosshair)
    .refresh('30s')
    .time({ from: 'now-3h', to: 'now' })
    .timezone('browser')
    .withVariable(datasourceVariable());
  for (const v of spec.variables) d.withVariable(v);
  let id = 1;
  let y = 0;
  for (const row of spec.rows) {
    d.withRow(new RowBuilder(row.title).id(id++).gridPos({ x: 0, y, w: 24, h: 1 }));
    y += 1;
    let x = 0;
    for (const { kind, spec: p } of row.panels) {
      const w = p.width ?? 12;
      if (x + w > 24) {
        x = 0;
        y += HEIGHT;
      }
      d.withPanel(panel(kind, p, id++, x, y));
      x += w;
    }
    y += HEIGHT;
  }
  return d.build();
}
