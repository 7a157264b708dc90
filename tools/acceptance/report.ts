// The readable report: one line per check with its mark and time, then the totals.
import type { CheckResult } from './runner.ts';

export interface Summary {
  baseUrl: string;
  runId: string;
  ok: boolean;
  passed: number;
  failed: number;
  skipped: number;
  durationMs: number;
  checks: CheckResult[];
}

const paint = (on: boolean, code: number, text: string): string => (on ? `\x1b[${code}m${text}\x1b[0m` : text);

export function formatResult(result: CheckResult, color = false): string {
  const time = `${Math.round(result.ms)} ms`.padStart(7);
  switch (result.outcome) {
    case 'pass':
      return `  ${paint(color, 32, '✓')} ${time}  ${result.name}`;
    case 'fail':
      return `  ${paint(color, 31, '✗')} ${time}  ${result.name}\n              ${paint(color, 31, result.detail ?? '')}`;
    case 'skip':
      return `  ${paint(color, 33, '-')} ${'skipped'.padStart(7)}  ${result.name} (${result.detail ?? ''})`;
  }
}

export function formatSummary(summary: Summary, color = false): string {
  const seconds = (summary.durationMs / 1000).toFixed(1);
  const counts = `${summary.passed} passed, ${summary.failed} failed, ${summary.skipped} skipped in ${seconds} s`;
  return summary.ok ? paint(color, 32, `\nACCEPTED: ${counts}`) : paint(color, 31, `\nNOT ACCEPTED: ${counts}`);
}
