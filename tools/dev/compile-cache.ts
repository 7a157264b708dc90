// Fills Node's compile cache with every module of the given services, so a service starts without Node's TypeScript
// stripper (docs/decisions/0009-services-start-from-the-compile-cache.md).
//
// Node strips each .ts file's types as it loads it, with a WebAssembly build of SWC that then stays in the process:
// about 20 MB of RSS in every service. With NODE_COMPILE_CACHE set, a module's stripped source is kept on disk beside
// V8's code cache, and a process that finds every module it loads there never loads the stripper. This imports every
// module of the platform library and of the services once (each server.ts runs its service only when it is the entry
// point) and writes the cache. Node keeps the cache apart by user and by V8 flags: run it as the services' user with
// their flags. The image build runs it for its service; the development launcher for all of them before they start.
//
//   node --no-allocation-site-pretenuring tools/dev/compile-cache.ts <cache dir> <service>... [<further module>.ts...]
import { enableCompileCache, flushCompileCache, constants } from 'node:module';
import { readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const ROOT = join(import.meta.dirname, '..', '..');

/** Every .ts file under dir, tests excluded. */
const sources = async (dir: string): Promise<string[]> =>
  (await readdir(dir, { recursive: true }))
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
    .map((f) => join(dir, f))
    .sort();

/** Imports every module of the platform library, of `services` and the `further` files (a preload the services are
 * given), with the compile cache in `dir`. */
export async function fillCompileCache(
  dir: string,
  services: readonly string[],
  further: readonly string[] = [],
): Promise<number> {
  const { status, message } = enableCompileCache(dir);
  if (status === constants.compileCacheStatus.FAILED) throw new Error(`compile cache in ${dir}: ${message}`);
  const files = [
    ...(await sources(join(ROOT, 'libs', 'platform', 'src'))),
    ...(await Promise.all(services.map((s) => sources(join(ROOT, 'services', s, 'src'))))).flat(),
    ...further.map((f) => resolve(f)),
  ];
  for (const file of files) await import(pathToFileURL(file).href);
  flushCompileCache();
  return files.length;
}

if (import.meta.main) {
  const [dir, ...rest] = process.argv.slice(2);
  const files = rest.filter((a) => a.endsWith('.ts'));
  const services = rest.filter((a) => !a.endsWith('.ts'));
  if (!dir || services.length === 0) {
    console.error('usage: node tools/dev/compile-cache.ts <cache dir> <service>... [<further module>.ts...]');
    process.exit(2);
  }
  console.log(`compile cache: ${await fillCompileCache(dir, services, files)} modules in ${dir}`);
}
