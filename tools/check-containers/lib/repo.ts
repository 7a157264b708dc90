// The files a checker looks at: the working tree on disk, or an in-memory tree that a test builds.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

/** Folders that are never part of what a build or compose sees. */
const SKIPPED_DIRS = new Set(['node_modules', '.git', '.cache', '.data', '.terraform', 'bench-results', 'coverage']);

export interface Repo {
  /** Every file, as a repository-relative POSIX path. */
  readonly files: ReadonlySet<string>;
  read(path: string): string;
  exists(path: string): boolean;
  isDir(path: string): boolean;
  /** Files under a folder (recursively). */
  filesUnder(dir: string): string[];
}

function makeRepo(files: Set<string>, read: (path: string) => string): Repo {
  const dirs = new Set<string>();
  for (const f of files) {
    let d = posix.dirname(f);
    while (d !== '.' && !dirs.has(d)) {
      dirs.add(d);
      d = posix.dirname(d);
    }
  }
  const clean = (p: string) =>
    posix
      .normalize(p)
      .replace(/^\.\/+/, '')
      .replace(/\/+$/, '');
  return {
    files,
    read: (p) => read(clean(p)),
    exists: (p) => files.has(clean(p)) || dirs.has(clean(p)) || clean(p) === '.',
    isDir: (p) => dirs.has(clean(p)) || clean(p) === '.',
    filesUnder: (dir) => {
      const d = clean(dir);
      if (d === '.' || d === '') return [...files];
      return [...files].filter((f) => f.startsWith(`${d}/`));
    },
  };
}

/** The working tree. */
export function diskRepo(root = repoRoot): Repo {
  const files = new Set<string>();
  const walk = (rel: string) => {
    for (const entry of readdirSync(join(root, rel), { withFileTypes: true })) {
      const path = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        if (!SKIPPED_DIRS.has(entry.name)) walk(path);
      } else if (
        entry.isFile() ||
        (entry.isSymbolicLink() && statSync(join(root, path), { throwIfNoEntry: false })?.isFile())
      ) {
        files.add(path);
      }
    }
  };
  walk('');
  return makeRepo(files, (p) => readFileSync(join(root, p), 'utf8'));
}

/** A tree held in memory: tests start from the real files and break one. */
export function memoryRepo(contents: Record<string, string>): Repo {
  const map = new Map(Object.entries(contents));
  return makeRepo(new Set(map.keys()), (p) => {
    const text = map.get(p);
    if (text === undefined) throw new Error(`no such file in the test tree: ${p}`);
    return text;
  });
}

/** A copy of `base` with some files replaced, added (string) or removed (null). */
export function overlayRepo(base: Repo, changes: Record<string, string | null>): Repo {
  const files = new Set(base.files);
  for (const [path, text] of Object.entries(changes)) {
    if (text === null) files.delete(path);
    else files.add(path);
  }
  return makeRepo(files, (p) => {
    const changed = changes[p];
    if (typeof changed === 'string') return changed;
    if (changed === null || !files.has(p)) throw new Error(`no such file: ${p}`);
    return base.read(p);
  });
}
