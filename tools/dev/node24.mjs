// Runs a command under Node 24, which the TypeScript sources need (type stripping). Plain JavaScript, so that an older
// Node can parse it: on Node < 24 it fetches Node 24 from the npm registry into .cache/node24 (once), says so in one
// line, and runs the command with that Node first on PATH. `node tools/dev/node24.mjs node tools/dev/start.ts ...`
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { constants } from 'node:os';
import { delimiter, join } from 'node:path';

const NEEDED = 24;
const ROOT = join(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..', '..');
const CACHE = join(ROOT, '.cache', `node${NEEDED}`);
const HOW = `install Node ${NEEDED} (https://nodejs.org, or \`nvm install ${NEEDED}\`) and run it again`;

const fail = (msg) => {
  console.error(`✗ ${msg}`);
  process.exit(1);
};

const major = (version) => Number(version.replace(/^v/, '').split('.')[0]);

/** The bin directory of a Node 24 from the project's cache, fetched from the npm registry when missing. */
function node24Bin() {
  const pkg = `node-${process.platform}-${process.arch}`;
  const bin = join(CACHE, 'node_modules', pkg, 'bin');
  const exe = join(bin, process.platform === 'win32' ? 'node.exe' : 'node');
  const usable = () =>
    existsSync(exe) && major(spawnSync(exe, ['--version'], { encoding: 'utf8' }).stdout ?? '') === NEEDED;
  if (usable()) return { bin, exe, fetched: false };
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const args = ['install', '--prefix', CACHE, '--no-save', '--no-package-lock', '--no-audit', '--no-fund'];
  const res = spawnSync(npm, [...args, `${pkg}@${NEEDED}`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (res.error || res.status !== 0 || !usable()) {
    const why = res.error
      ? res.error.message
      : (res.stderr ?? '').split('\n').find((l) => /ERR!/.test(l)) || 'no usable binary';
    fail(
      `Shipshape needs Node ${NEEDED} (this is ${process.version}); fetching ${pkg}@${NEEDED} from the npm registry failed (${why.trim()}): ${HOW}`,
    );
  }
  return { bin, exe, fetched: true };
}

const [command, ...args] = process.argv.slice(2);
if (!command) fail('usage: node tools/dev/node24.mjs <command> [args...]');

let exe = process.execPath;
const env = { ...process.env };
if (major(process.version) < NEEDED) {
  const node = node24Bin();
  const version = spawnSync(node.exe, ['--version'], { encoding: 'utf8' }).stdout.trim();
  console.error(
    `Node ${process.version} is older than ${NEEDED}: running under Node ${version} from .cache/node${NEEDED}${node.fetched ? ' (just fetched from the npm registry)' : ''}`,
  );
  exe = node.exe;
  env.PATH = [node.bin, env.PATH].filter(Boolean).join(delimiter);
}

// The child shares the terminal's process group, so Ctrl-C reaches it directly; this process only waits for it.
const child = spawn(command === 'node' ? exe : command, args, { stdio: 'inherit', env });
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
child.on('error', (err) => fail(`cannot run ${command}: ${err.message}`));
child.on('exit', (code, signal) => process.exit(code ?? 128 + (constants.signals[signal] ?? 0)));
