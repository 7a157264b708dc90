// The chart's docs and schema stay complete: the generated docs match their sources, and values.schema.json describes
// every value in values.yaml and closes every object.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { parse } from 'yaml';
import { deployDoc, renderDeployDoc, renderRulesDoc, rulesDoc } from './docs.ts';
import { chartDir } from './render.ts';

interface Schema {
  type?: string | string[];
  description?: string;
  properties?: Record<string, Schema>;
  additionalProperties?: boolean | Schema;
  items?: Schema;
  $ref?: string;
  definitions?: Record<string, Schema>;
}

const schema = JSON.parse(readFileSync(join(chartDir, 'values.schema.json'), 'utf8')) as Schema;
const resolve = (s: Schema): Schema => (s.$ref ? (schema.definitions?.[s.$ref.replace('#/definitions/', '')] ?? s) : s);

describe('the generated docs', () => {
  test('when docs/chart-policy-rules.md is generated from the rule tables, then the committed file is the same', () => {
    assert.equal(readFileSync(rulesDoc, 'utf8'), renderRulesDoc(), 'run node tools/check-chart/docs.ts');
  });

  test('when the values reference is generated from values.schema.json, then docs/deploy-kubernetes.md holds it', () => {
    const current = readFileSync(deployDoc, 'utf8');
    assert.equal(current, renderDeployDoc(current), 'run node tools/check-chart/docs.ts');
  });
});

describe('the environment values files', () => {
  test('when values-dev.yaml and values-prod.yaml are compared with values.yaml, then they hold only deltas', () => {
    const defaults = parse(readFileSync(join(chartDir, 'values.yaml'), 'utf8')) as unknown;
    const repeats: string[] = [];
    const walk = (value: unknown, base: unknown, path: string[]) => {
      if (
        value !== null &&
        typeof value === 'object' &&
        !Array.isArray(value) &&
        base !== null &&
        typeof base === 'object' &&
        !Array.isArray(base)
      ) {
        for (const [key, child] of Object.entries(value))
          walk(child, (base as Record<string, unknown>)[key], [...path, key]);
      } else if (JSON.stringify(value) === JSON.stringify(base)) {
        repeats.push(`${path.join('.')} repeats the default ${JSON.stringify(base)}`);
      }
    };
    for (const file of ['values-dev.yaml', 'values-prod.yaml'])
      walk(parse(readFileSync(join(chartDir, file), 'utf8')), defaults, [file]);
    assert.deepEqual(repeats, []);
  });
});

describe('values.schema.json', () => {
  test('when values.yaml is walked, then every key has a described schema property', () => {
    const missing: string[] = [];
    const walk = (value: unknown, s: Schema | undefined, path: string[]) => {
      const resolved = s && resolve(s);
      if (!resolved) {
        missing.push(`${path.join('.')} has no schema`);
        return;
      }
      if (!s?.description && !resolved.description) missing.push(`${path.join('.')} has no description`);
      if (value === null || typeof value !== 'object' || Array.isArray(value) || !resolved.properties) return;
      for (const [key, child] of Object.entries(value)) walk(child, resolved.properties[key], [...path, key]);
    };
    const values = parse(readFileSync(join(chartDir, 'values.yaml'), 'utf8')) as Record<string, unknown>;
    for (const [key, child] of Object.entries(values)) walk(child, schema.properties?.[key], [key]);
    assert.deepEqual(missing, []);
  });

  test('when every object in the schema is visited, then each with named properties forbids others', () => {
    const open: string[] = [];
    const visit = (s: Schema, path: string) => {
      if (s.properties && s.additionalProperties !== false) open.push(path);
      for (const [key, child] of Object.entries(s.properties ?? {})) visit(child, `${path}.${key}`);
      if (s.items) visit(s.items, `${path}[]`);
      if (typeof s.additionalProperties === 'object') visit(s.additionalProperties, `${path}.*`);
    };
    visit(schema, '(root)');
    for (const [name, def] of Object.entries(schema.definitions ?? {})) visit(def, `#/definitions/${name}`);
    assert.deepEqual(open, []);
  });
});
