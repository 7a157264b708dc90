// Static checks of the shipped rule files: every alert is labelled, annotated, linked to an existing runbook that says
// what to check, how to mitigate and how to verify, and is covered by promtool tests that fire and stay quiet.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parse } from 'yaml';
import { runbookUrl } from '../../../deploy/observability/src/conventions.ts';
import type { AlertRule, Rule, RuleFile } from '../../../deploy/observability/src/rule-types.ts';
import type { Finding } from '../../findings.ts';

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

/**
 * Problems with alert metadata (pint's rule/label and alerts/annotation) and runbooks (this project's `runbook`);
 * empty when all is well.
 */
export function alertProblems(files: LoadedRules[], runbookDir: string): Finding[] {
  const problems: Finding[] = [];
  const alerts = alertsOf(files);
  for (const a of alerts) {
    const name = a.alert;
    const add = (rule: string, message: string) => problems.push({ rule, where: name, message });
    const severity = a.labels?.severity;
    if (severity !== 'critical' && severity !== 'warning')
      add('rule/label', `labels.severity must be critical or warning, got ${String(severity)}`);
    for (const key of ['summary', 'description'] as const) {
      const v = a.annotations?.[key];
      if (typeof v !== 'string' || v.trim().length < 10)
        add('alerts/annotation', `annotations.${key} is missing or too short`);
    }
    const url = a.annotations?.runbook_url;
    if (url !== runbookUrl(name))
      add('alerts/annotation', `annotations.runbook_url must be ${runbookUrl(name)}, got ${String(url)}`);
    const path = join(runbookDir, `${name}.md`);
    if (!existsSync(path)) {
      add('runbook', `runbook docs/runbooks/${name}.md does not exist`);
      continue;
    }
    const md = readFileSync(path, 'utf8');
    if (!md.startsWith(`# ${name}\n`)) add('runbook', `runbook must start with "# ${name}"`);
    for (const heading of RUNBOOK_SECTIONS) {
      const body = section(md, heading);
      if (!body || body.trim().length < 40) add('runbook', `runbook section "${heading}" is missing or empty`);
    }
    const first = (section(md, RUNBOOK_SECTIONS[0]) ?? '').toLowerCase();
    for (const word of CHECK_FIRST_MENTIONS)
      if (!new RegExp(`\\b${word}s?\\b`).test(first))
        add('runbook', `runbook "${RUNBOOK_SECTIONS[0]}" does not mention ${word}s`);
  }
  const names = new Set(alerts.map((a) => a.alert));
  if (existsSync(runbookDir)) {
    for (const f of readdirSync(runbookDir)) {
      if (f.endsWith('.md') && f !== 'README.md' && !names.has(basename(f, '.md')))
        problems.push({ rule: 'runbook', where: `docs/runbooks/${f}`, message: 'has no alert of that name' });
    }
  }
  return problems;
}

interface PromtoolTestFile {
  tests?: {
    alert_rule_test?: { alertname: string; exp_alerts?: { exp_labels?: Record<string, string> }[] }[];
  }[];
}

/**
 * Alerts without a promtool test that fires them (for each severity they carry) and one that keeps them quiet (this
 * project's `promtool-test-coverage`).
 */
export function coverageProblems(files: LoadedRules[], testFiles: string[]): Finding[] {
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
  const rule = 'promtool-test-coverage';
  const problems = new Map<string, Finding>();
  const add = (where: string, message: string) => problems.set(`${where}: ${message}`, { rule, where, message });
  for (const a of alertsOf(files)) {
    if (!firing.has(`${a.alert}/${a.labels.severity}`))
      add(`${a.alert} (${a.labels.severity})`, 'no promtool test shows it firing');
    if (!quiet.has(a.alert)) add(a.alert, 'no promtool test shows it staying quiet');
  }
  return [...problems.values()];
}

export const promtoolTestFiles = (dir: string): string[] =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.test.yaml'))
    .sort()
    .map((f) => join(dir, f));
