// Markdown tables with padded columns, as the formatter leaves them, and generated sections between markers.
import { readFileSync } from 'node:fs';

/** Display width: emoji such as 🔒 take two columns. */
const width = (s: string) => [...s].reduce((n, ch) => n + ((ch.codePointAt(0) ?? 0) > 0xffff ? 2 : 1), 0);

export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(3, width(h), ...rows.map((r) => width(r[i] ?? ''))));
  const line = (cells: readonly string[]) =>
    `| ${cells.map((c, i) => c + ' '.repeat((widths[i] ?? 0) - width(c))).join(' | ')} |`;
  return [line(header), `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`, ...rows.map(line)].join('\n');
}

/** The file with the text between `<!-- name:start -->` and `<!-- name:end -->` replaced. */
export function spliceSection(file: string, name: string, body: string): { before: string; after: string } {
  const before = readFileSync(file, 'utf8');
  const re = new RegExp(`<!-- ${name}:start -->[\\s\\S]*?<!-- ${name}:end -->`);
  if (!re.test(before)) throw new Error(`${file} has no <!-- ${name}:start --> … <!-- ${name}:end --> section`);
  return { before, after: before.replace(re, () => `<!-- ${name}:start -->\n${body}\n<!-- ${name}:end -->`) };
}
