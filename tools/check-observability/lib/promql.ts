// PromQL syntax checks through promtool: each expression becomes a recording rule in a temporary rule file.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { Finding } from '../../findings.ts';
import { requireBinary, run } from './binaries.ts';

export interface NamedExpr {
  name: string;
  expr: string;
}

async function checkBatch(promtool: string, dir: string, exprs: NamedExpr[]): Promise<string> {
  const file = join(dir, 'exprs.yaml');
  const rules = exprs.map((e, i) => ({ record: `check:expr_${i}`, expr: e.expr }));
  writeFileSync(file, stringify({ groups: [{ name: 'parse-check', rules }] }, { lineWidth: 0 }));
  const r = await run(promtool, ['check', 'rules', file]);
  return r.code === 0 ? '' : `${r.stdout}\n${r.stderr}`.trim();
}

/** Expressions promtool cannot parse, each with promtool's reason (dashboard-linter's target-promql-rule). */
export async function unparsable(exprs: NamedExpr[]): Promise<Finding[]> {
  const promtool = requireBinary('promtool');
  const dir = mkdtempSync(join(tmpdir(), 'promql-check-'));
  try {
    if ((await checkBatch(promtool, dir, exprs)) === '') return [];
    const problems: Finding[] = [];
    for (const e of exprs) {
      const out = await checkBatch(promtool, dir, [e]);
      if (out) {
        const reason =
          out
            .split('\n')
            .filter((l) => /parse|error|unexpected/i.test(l))
            .join('\n  ') || out;
        problems.push({ rule: 'target-promql-rule', where: e.name, message: `${e.expr}\n  ${reason}` });
      }
    }
    return problems;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
