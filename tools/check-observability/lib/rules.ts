// Static checks of the shipped rule files: every alert is labelled, annotated, linked to an existing runbook that says
// what to check, how to mitigate and how to verify, and is covered by promtool tests that fire and stay quiet.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parse } from 'yaml';
import { runbookUrl } from '../../../deploy/observability/src/conventions.ts';
import type { AlertRule, Rule, RuleFile } from '../../../deploy/observability/src/rule-types.ts';

export interface LoadedRules {
  file: string;
  content: RuleFile;
}

export function loadRuleFiles(dir: string): LoadedRules[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml') || f.endsWith('.yml'))
    .sort()
    .map((f) => ({ file: join(dir, f), content: parse(readFileSync(join(dir, f), 'utf8')) as RuleFile }));
}

export const allRules = (files: LoadedRules[]): Rule[] =>
  files.flatMap((f) => f.content.groups.flatMap((g) => g.rules));
export const alertsOf = (files: LoadedRules[]): AlertRule[] =>
  allRules(files).filter((r): r is AlertRule => 'alert' in r);
export const recordsOf = (files: LoadedRules[]) => allRules(files).filter((r) => 'record' in r);

/** Headings every runbook has, and words its first section must use. */
export const RUNBOOK_SECTIONS = ['## Check first', '## Mitigate', '## Verify'] as const;
export const CHECK_FIRST_MENTIONS = ['dashboard', 'log'] as const;

function section(markdown: string, heading: string): string | undefined {
  const start = markdown.indexOf(`\n${heading}\n`);
  if (start < 0) return undefined;
  const rest = markdown.slice(start + heading.length + 2);
  const end = rest.search(/\n## /);
  return end < 0 ? rest : rest.slice(0, end);
}

/** Problems with alert metadata and runbooks; empty when all is well. */
export function alertProblems(files: LoadedRules[], runbookDir: string): string[] {
  const problems: string[] = [];
  const alerts = alertsOf(files);
  for (const a of alerts) {
    const name = a.alert;
    const severity = a.labels?.severity;
    if (severity !== 'critical' && severity !== 'warning')
      problems.push(`${name}: labels.severity must be critical or warning, got ${String(severity)}`);
    for (const key of ['summary', 'description'] as const) {
      const v = a.annotations?.[key];
      if (typeof v !== 'string' || v.trim().length < 10)
        problems.push(`${name}: annotations.${key} is missing or too short`);
    }
    const url = a.annotations?.runbook_url;
    if (url !== runbookUrl(name))
      problems.push(`${name}: annotations.runbook_url must be ${runbookUrl(name)}, got ${String(url)}`);
    const path = join(runbookDir, `${name}.md`);
    if (!existsSync(path)) {
      problems.push(`${name}: runbook docs/runbooks/${name}.md does not exist`);
      continue;
    }
    const md = readFileSync(path, 'utf8');
    if (!md.startsWith(`# ${name}\n`)) problems.push(`${name}: runbook must start with "# ${name}"`);
    for (const heading of RUNBOOK_SECTIONS) {
      const body = section(md, heading);
      if (!body || body.trim().length < 40) problems.push(`${name}: runbook section "${heading}" is missing or empty`);
    }
    const first = (section(md, RUNBOOK_SECTIONS[0]) ?? '').toLowerCase();
    for (const word of CHECK_FIRST_MENTIONS)
      if (!new RegExp(`\\b${word}s?\\b`).test(first))
        problems.push(`${name}: runbook "${RUNBOOK_SECTIONS[0]}" does not mention ${word}s`);
  }
  const names = new Set(alerts.map((a) => a.alert));
  if (existsSync(runbookDir)) {
    for (const f of readdirSync(runbookDir)) {
      if (f.endsWith('.md') && f !== 'README.md' && !names.has(basename(f, '.md')))
        problems.push(`docs/runbooks/${f} has no alert of that name`);
    }
  }
  return problems;
}

interface PromtoolTestFile {
  tests?: {
    alert_rule_test?: { alertname: string; exp_alerts?: { exp_labels?: Record<string, string> }[] }[];
  }[];
}

/** Alerts without a promtool test that fires them (for each severity they carry) and one that keeps them quiet. */
export function coverageProblems(files: LoadedRules[], testFiles: string[]): string[] {
  const firing = new Set<string>();
  const quiet = new Set<string>();
  for (const file of testFiles) {
    const doc = parse(readFileSync(file, 'utf8')) as PromtoolTestFile;
    for (const t of doc.tests ?? []) {
      for (const a of t.alert_rule_test ?? []) {
        const exp = a.exp_alerts ?? [];
        if (exp.length === 0) quiet.add(a.alertname);
        for (const e of exp) firing.add(`${a.alertname}/${e.exp_labels?.severity ?? '?'}`);
      }
    }
  }
  const problems: string[] = [];
  for (const a of alertsOf(files)) {
    if (!firing.has(`${a.alert}/${a.labels.severity}`))
      problems.push(`${a.alert} (${a.labels.severity}): no promtool test shows it firing`);
    if (!quiet.has(a.alert)) problems.push(`${a.alert}: no promtool test shows it staying quiet`);
  }
  return [...new Set(problems)];
}

export const promtoolTestFiles = (dir: string): string[] =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.test.yaml'))
    .sort()
    .map((f) => join(dir, f));
