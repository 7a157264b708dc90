// Markdown tables and generated sections between markers, for the docs generators.
import { readFileSync } from 'node:fs';

/** Unpadded, so that a change to one row is a one-line diff and parallel changes to a table merge. */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** The file with the text between `<!-- name:start -->` and `<!-- name:end -->` replaced. */
export function spliceSection(file: string, name: string, body: string): { before: string; after: string } {
  const before = readFileSync(file, 'utf8');
  const re = new RegExp(`<!-- ${name}:start -->[\\s\\S]*?<!-- ${name}:end -->`);
  if (!re.test(before)) throw new Error(`${file} has no <!-- ${name}:start --> … <!-- ${name}:end --> section`);
  return { before, after: before.replace(re, () => `<!-- ${name}:start -->\n${body}\n<!-- ${name}:end -->`) };
}
