/** One problem a checker found: which rule, where, and what to do about it. */
export interface Finding {
  rule: string;
  file: string;
  line?: number | undefined;
  message: string;
}

export function formatFinding(f: Finding): string {
  return `${f.file}${f.line === undefined ? '' : `:${f.line}`}  ${f.rule}  ${f.message}`;
}

export function formatFindings(findings: Finding[]): string {
  return findings.length === 0 ? 'no findings' : findings.map(formatFinding).join('\n');
}
