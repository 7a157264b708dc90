// docs/observability.md stays in step with what ships: every alert, recording rule and dashboard is named in it.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadDashboards } from './lib/dashboards.ts';
import { DASHBOARDS_DIR, REPO, RULES_DIR } from './lib/paths.ts';
import { alertsOf, loadRuleFiles, recordsOf } from './lib/rules.ts';

const doc = readFileSync(join(REPO, 'docs', 'observability.md'), 'utf8');

test('when docs/observability.md is read, then it names every alert with a link to its runbook', () => {
  for (const a of alertsOf(loadRuleFiles(RULES_DIR)))
    assert.ok(doc.includes(`[${a.alert}](runbooks/${a.alert}.md)`), a.alert);
});

test('when docs/observability.md is read, then it names every recording rule family and every dashboard', () => {
  for (const r of recordsOf(loadRuleFiles(RULES_DIR))) {
    const name = r.record.replace(/^slo:sli_error:ratio_rate[0-9]+[smhd]$/, 'slo:sli_error:ratio_rate<window>');
    assert.ok(doc.includes(`\`${name}\``), r.record);
  }
  for (const d of loadDashboards(DASHBOARDS_DIR)) {
    // The formatter pads table cells: match the row whatever the padding.
    const title = String(d.json.title).replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    assert.match(doc, new RegExp(`\\| ${title} +\\| \`${d.json.uid}\` +\\|`), `${d.json.title}`);
  }
});
