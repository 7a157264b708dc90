// Migrations are expand-only within a release: the previous version must keep working on the schema a rollback leaves
// behind (migrations are never rolled back). This scans the migrations added since the last release tag for statements
// that contract the schema or break the previous version's writes, and fails on them.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const ROOT = join(import.meta.dirname, '..', '..');
/** Tags the deploy workflow sets on each commit promoted to production. */
export const RELEASE_TAG_PATTERN = 'release/*';
/** A migration that removes something the previous release no longer uses says so, and why, on a line of its own. */
export const CONTRACT_MARKER = /^--\s*contract:\s*\S.*$/im;

export interface Rule {
  name: string;
  pattern: RegExp;
  why: string;
}

export const RULES: Rule[] = [
  {
    name: 'drop',
    pattern: /\bDROP\s+(?!INDEX\b)(COLUMN|TABLE|SCHEMA|TYPE|VIEW|MATERIALIZED\s+VIEW|FUNCTION|CONSTRAINT|DEFAULT)\b/i,
    why: 'the previous version still reads or writes what is dropped',
  },
  {
    name: 'drop-implicit-column',
    pattern: /\bALTER\s+TABLE\s+[^;]*?\bDROP\s+(?!COLUMN|CONSTRAINT|DEFAULT|NOT\s+NULL|INDEX|IDENTITY|EXPRESSION)\w+/i,
    why: 'ALTER TABLE … DROP <column> removes a column the previous version uses',
  },
  { name: 'rename', pattern: /\bRENAME\b/i, why: 'the previous version still uses the old name' },
  {
    name: 'change-type',
    pattern: /\bALTER\s+COLUMN\s+\S+\s+(SET\s+DATA\s+)?TYPE\b/i,
    why: 'the previous version reads and writes the old type',
  },
  {
    name: 'set-not-null',
    pattern: /\bSET\s+NOT\s+NULL\b/i,
    why: 'the previous version inserts rows without the value',
  },
  {
    name: 'add-required-column',
    pattern: /\bADD\s+(COLUMN\s+)?(?![^;,]*\bDEFAULT\b)[^;,]*\bNOT\s+NULL\b/i,
    why: 'a NOT NULL column without a default makes the previous version’s inserts fail',
  },
  { name: 'truncate', pattern: /\bTRUNCATE\b/i, why: 'it deletes data a rollback cannot bring back' },
];

export interface Finding {
  file: string;
  rule: string;
  statement: string;
  why: string;
}

/** The Up part of a migration without comments, as statements. */
function statements(sql: string): string[] {
  const up = sql.split(/^--\s*Down Migration\b/im)[0] ?? '';
  return up
    .replace(/--[^\n]*/g, '')
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .split(';')
    .map((s) => s.replace(/\s+/g, ' ').trim())
    .filter(Boolean);
}

const CHECK_IN_LIST = /\bADD\s+CONSTRAINT\s+(\w+)\s+CHECK\s*\(\s*\w+\s+IN\s*\(([^)]*)\)\s*\)/gi;
const DROPPED_CONSTRAINT = /\bDROP\s+CONSTRAINT\s+(?:IF\s+EXISTS\s+)?(\w+)/i;

function checkLists(sql: string): Map<string, Set<string>> {
  const lists = new Map<string, Set<string>>();
  for (const [, name = '', values = ''] of sql.matchAll(CHECK_IN_LIST))
    lists.set(name.toLowerCase(), new Set(values.split(',').map((v) => v.trim())));
  return lists;
}

/**
 * CHECK (column IN (...)) constraints that the Up part drops and adds again with every value its Down part restores,
 * and more: widening the allowed values keeps every write of the previous version valid, so it is an expansion.
 */
function widenedChecks(sql: string): Set<string> {
  const [up = '', down = ''] = sql.split(/^--\s*Down Migration\b/im);
  const before = checkLists(down);
  const widened = new Set<string>();
  for (const [name, after] of checkLists(up)) {
    const old = before.get(name);
    if (old && [...old].every((v) => after.has(v))) widened.add(name);
  }
  return widened;
}

/** Contracting statements in one migration's text (none when it carries the contract marker). */
export function contractions(file: string, sql: string): Finding[] {
  if (CONTRACT_MARKER.test(sql)) return [];
  const widened = widenedChecks(sql);
  const found: Finding[] = [];
  for (const statement of statements(sql)) {
    const dropped = DROPPED_CONSTRAINT.exec(statement)?.[1]?.toLowerCase();
    if (dropped && widened.has(dropped)) continue;
    for (const rule of RULES)
      if (rule.pattern.test(statement)) found.push({ file, rule: rule.name, statement, why: rule.why });
  }
  return found;
}

const git = (...args: string[]) =>
  execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();

/** The last release tag reachable from HEAD, or undefined before the first release. */
export function lastRelease(): string | undefined {
  try {
    return git('describe', '--tags', '--abbrev=0', '--match', RELEASE_TAG_PATTERN) || undefined;
  } catch {
    return undefined;
  }
}

/** Migration files added or changed since `since` (committed or not); every migration when `since` is undefined. */
export function migrationsSince(since: string | undefined): string[] {
  const spec = 'services/*/migrations/*.sql';
  const files = since
    ? [
        ...git('diff', '--name-only', '--diff-filter=AM', since, '--', spec).split('\n'),
        ...git('ls-files', '--others', '--exclude-standard', '--', spec).split('\n'),
      ]
    : git('ls-files', '--cached', '--others', '--exclude-standard', '--', spec).split('\n');
  return [...new Set(files.filter(Boolean))].sort();
}

export function checkMigrations(since = lastRelease()): {
  since: string | undefined;
  files: string[];
  findings: Finding[];
} {
  const files = migrationsSince(since);
  const findings = files.flatMap((f) => contractions(f, readFileSync(join(ROOT, f), 'utf8')));
  return { since, files, findings };
}

export function migrationsCli(argv: string[]): number {
  const { values } = parseArgs({ args: argv, options: { since: { type: 'string' } } });
  const r = checkMigrations(values.since ?? lastRelease());
  console.log(`${r.files.length} migrations since ${r.since ?? 'the beginning (no release tag yet)'}`);
  for (const f of r.findings) console.log(`✗ ${f.file}: ${f.rule}: ${f.statement.slice(0, 120)} (${f.why})`);
  if (r.findings.length === 0) console.log('✓ expand-only');
  return r.findings.length ? 1 : 0;
}
