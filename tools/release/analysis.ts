// The canary analysis (deploy/release/analysis.yaml): its schema, loading with a profile, and query rendering.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { parse } from 'yaml';

export const ANALYSIS_FILE = join(import.meta.dirname, '..', '..', 'deploy', 'release', 'analysis.yaml');

const Duration = Type.String({ pattern: '^[0-9]+(ms|s|m|h)$', description: 'A Prometheus-style duration: 30s, 2m.' });

/** The timing of the gate: what a profile may override. */
const Timing = {
  interval: Duration,
  count: Type.Integer({ minimum: 1, maximum: 100 }),
  window: Duration,
  minRequests: Type.Integer({ minimum: 1 }),
  failureLimit: Type.Integer({ minimum: 0 }),
  inconclusiveLimit: Type.Integer({ minimum: 0 }),
};

export const MetricSchema = Type.Object(
  {
    name: Type.String({ pattern: '^[a-z0-9-]+$' }),
    description: Type.String(),
    unit: Type.Union([Type.Literal('ratio'), Type.Literal('seconds')]),
    /** The canary fails the metric when its value exceeds the stable version's by more than this. */
    maxAbove: Type.Number({ minimum: 0 }),
    query: Type.String({ minLength: 1 }),
  },
  { additionalProperties: false },
);
export type Metric = Static<typeof MetricSchema>;

export const AnalysisSchema = Type.Object(
  {
    ...Timing,
    traffic: Type.String({ minLength: 1 }),
    metrics: Type.Array(MetricSchema, { minItems: 1 }),
    profiles: Type.Optional(
      Type.Record(Type.String(), Type.Partial(Type.Object(Timing, { additionalProperties: false }))),
    ),
  },
  { additionalProperties: false },
);
export type Analysis = Static<typeof AnalysisSchema>;

export class AnalysisError extends Error {}

/** Milliseconds of a duration such as 60s or 2m. */
export function durationMs(d: string): number {
  const m = /^([0-9]+)(ms|s|m|h)$/.exec(d);
  if (!m) throw new AnalysisError(`not a duration: ${d}`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 'ms' | 's' | 'm' | 'h'];
  return Number(m[1]) * unit;
}

/** Validates a parsed analysis and applies a profile's timing overrides. */
export function resolveAnalysis(doc: unknown, profile?: string): Analysis {
  if (!Value.Check(AnalysisSchema, doc)) {
    const e = [...Value.Errors(AnalysisSchema, doc)].map((x) => `${x.path || '/'} ${x.message}`);
    throw new AnalysisError(`invalid analysis: ${e.slice(0, 5).join('; ')}`);
  }
  const names = doc.metrics.map((m) => m.name);
  if (new Set(names).size !== names.length) throw new AnalysisError(`metric names repeat: ${names.join(', ')}`);
  if (!profile) return doc;
  const overrides = doc.profiles?.[profile];
  if (!overrides)
    throw new AnalysisError(
      `no profile ${profile} in the analysis (profiles: ${Object.keys(doc.profiles ?? {}).join(', ') || 'none'})`,
    );
  return { ...doc, ...overrides };
}

export function loadAnalysis(profile?: string, file = ANALYSIS_FILE): Analysis {
  return resolveAnalysis(parse(readFileSync(file, 'utf8')), profile);
}

/** A query with its placeholders filled in; an unknown placeholder is an error, not a silently empty series. */
export function renderQuery(
  query: string,
  vars: { service: string; track: 'canary' | 'stable'; window: string },
): string {
  return query.replace(/\{\{\s*([a-z]+)\s*\}\}/g, (_, name: string) => {
    if (!(name in vars)) throw new AnalysisError(`unknown placeholder {{${name}}} in ${query}`);
    return vars[name as keyof typeof vars];
  });
}
