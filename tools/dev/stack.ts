// Runs the services of the registry (./services.ts) as separate processes against a given PostgreSQL (and optionally Redis).
// Used by `npm start`, the end-to-end tests, the observability checks and the benchmark.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { migrateAll } from '../db/migrate.ts';
import { seed } from '../db/seed.ts';
import { dynamoEnv, migrateDynamo, type DynamoTarget } from '../db/dynamodb-tables.ts';
import { seedDynamoProducts } from './dynamodb-seed.ts';
import { freeServicePort } from './ports.ts';
import { acceptedEnvNames } from '@shipshape/platform/config';
import { REGISTRY, SERVICES, START_WAVES, shiftedPort, urlEnv, type ServiceName } from './services.ts';
import { generateServiceKey } from '@shipshape/platform/auth';
import { DEV_ADMIN_SUB, DevIssuer } from './issuer.ts';

export { SERVICES, type ServiceName } from './services.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const KEEP_ENV = ['PATH', 'HOME', 'LANG', 'TZ', 'NODE_EXTRA_CA_CERTS'];
/** The V8 sizing the images set (the Dockerfile's NODE_OPTIONS), so local runs and benchmarks behave like pods. */
export const SERVICE_NODE_OPTIONS = '--max-old-space-size=160 --max-semi-space-size=4';
/**
 * V8 flags Node refuses in NODE_OPTIONS, given on the command line as the images' CMD gives them. No allocation-site
 * pretenuring: when load begins on code still cold, a scavenge can find nearly every object of a few request-scoped
 * allocation sites alive, and V8 then allocates those objects straight in the old generation for the rest of the
 * process's life. Each keeps the young objects it points to alive through scavenges until a full collection, so a
 * heap capped at 160 MB settles into a full collection every 150–200 ms and about half the throughput
 * (docs/benchmark.md, "Garbage collection").
 */
export const SERVICE_NODE_FLAGS = ['--no-allocation-site-pretenuring'] as const;
/** Node's compile cache for the service processes this launcher starts, filled before they start: with every file
 * found there, a service never loads Node's TypeScript stripper (tools/dev/compile-cache.ts says why). */
export const COMPILE_CACHE_DIR = join(ROOT, '.cache', 'compile');

/** Fills the compile cache in `dir` for every service, as the services run (their V8 flags: the cache keeps code apart
 * by the flags it was compiled with), in a process of its own (the launcher may be a load generator). `modules` are
 * further .ts files the services load (a preload in their NODE_OPTIONS). */
export async function fillServiceCompileCache(dir = COMPILE_CACHE_DIR, modules: readonly string[] = []): Promise<void> {
  const args = [...SERVICE_NODE_FLAGS, join(ROOT, 'tools', 'dev', 'compile-cache.ts'), dir, ...SERVICES, ...modules];
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, NODE_OPTIONS: SERVICE_NODE_OPTIONS, NODE_COMPILE_CACHE: undefined },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new StartError(`filling the compile cache failed (${code}):\n${stderr.trim()}`);
}

export interface StackOptions {
  databaseUrl: string;
  /** Orders and products keep their data in these DynamoDB tables (STORE=dynamodb) instead of PostgreSQL. */
  dynamodb?: DynamoTarget | undefined;
  redisUrl?: string | undefined;
  /** Extra env for every service (e.g. short timeouts in tests). */
  env?: Record<string, string>;
  /** Extra env per service. */
  serviceEnv?: Partial<Record<ServiceName, Record<string, string>>>;
  /** Pass on whatever of this process's environment each service's config schema declares (npm start). */
  passEnv?: boolean;
  /** Each service on its registry port shifted to start at basePort (3000 gives the defaults); random when unset. */
  basePort?: number;
  /** Fixed ports for some services (the rest as basePort says), e.g. so a proxy in front of one can start first. */
  ports?: Partial<Record<ServiceName, number>>;
  /** The token issuer the services trust; a fresh development issuer on a random port when unset. */
  issuer?: DevIssuer;
  migrate?: boolean;
  seed?: boolean;
  /** Called with every log line a service writes. */
  onLog?: (service: ServiceName, line: string) => void;
  readyTimeoutMs?: number;
  /** Restart a service that exits on its own, with backoff (npm start); tests that kill services leave it off. */
  supervise?: boolean;
  /** Told about each unexpected exit and the restart that follows (`ready` once it answers again). */
  onRestart?: (event: RestartEvent) => void;
  /** Further .ts modules the services load (a preload given in their NODE_OPTIONS): filled into the compile cache with
   * theirs, or a service would load Node's TypeScript stripper for them. */
  cacheModules?: string[];
  /** How a service process starts: its entry file under node here by default, or its container image. */
  launch?: Launcher;
}

/** Starts one service with the env the stack computed; the child's stdout/stderr are its logs, SIGTERM stops it. */
export type Launcher = (name: ServiceName, env: NodeJS.ProcessEnv) => ChildProcess;

// Own process group: a Ctrl-C reaches the launcher only, which then stops the services once, in order.
const launchProcess: Launcher = (name, env) =>
  spawn(process.execPath, [...SERVICE_NODE_FLAGS, join(ROOT, REGISTRY[name].entry)], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });

export type RestartEvent =
  | { service: ServiceName; phase: 'exited'; exit: string; attempt: number; delayMs: number }
  | { service: ServiceName; phase: 'ready'; attempt: number }
  | { service: ServiceName; phase: 'failed'; attempt: number; reason: string };

/** Backoff before restart number `attempt` (1-based): 0.5 s doubling to 30 s. */
export const restartDelayMs = (attempt: number): number => Math.min(30_000, 500 * 2 ** (attempt - 1));
/** A service that stayed up this long starts its backoff afresh after the next crash. */
const STABLE_MS = 60_000;

export interface Stack {
  urls: Record<ServiceName, string>;
  ports: Record<ServiceName, number>;
  /** An admin token from the development issuer (12 h). */
  adminToken: string;
  issuer: DevIssuer;
  /** A token for a user id (the users service's record id is the subject). */
  userToken(sub: string): Promise<string>;
  /** The identity settings (issuer, service keys) the stack gives a service, for extra instances next to it. */
  authEnv(name: ServiceName): Record<string, string>;
  /** Log lines each service wrote (JSON), most recent last. */
  logs: Record<ServiceName, string[]>;
  pid(name: ServiceName): number | undefined;
  stop(): Promise<void>;
  stopService(name: ServiceName, signal?: NodeJS.Signals): Promise<number | null>;
  /** Starts a stopped service again; `env` replaces settings for this start and the later ones (a new release). */
  startService(name: ServiceName, env?: Record<string, string>): Promise<void>;
  waitReady(name: ServiceName, timeoutMs?: number): Promise<void>;
  /** The environment the stack gives a service: what another instance beside it needs (a release's canary). */
  envOf(name: ServiceName): NodeJS.ProcessEnv;
}

export class StartError extends Error {}

export async function startStack(o: StackOptions): Promise<Stack> {
  // Beside the migrations; awaited before the first service starts. Without it each service loads the stripper, as
  // it did before the cache: worth a warning, not a failed start (a module that cannot load fails its service anyway).
  const compileCache = o.launch
    ? undefined
    : fillServiceCompileCache(COMPILE_CACHE_DIR, o.cacheModules).catch((err: Error) =>
        process.emitWarning(`the services start without Node's compile cache: ${err.message}`),
      );
  if (o.migrate !== false) await migrateAll(o.databaseUrl);
  if (o.migrate !== false && o.dynamodb) await migrateDynamoTarget(o.dynamodb);
  if (o.seed !== false) await seed(o.databaseUrl);
  if (o.seed !== false && o.dynamodb) await seedDynamoProducts(o.dynamodb);
  let issuer = o.issuer;
  const ownIssuer = !issuer;
  if (!issuer) {
    issuer = await DevIssuer.create();
    await issuer.listen();
  }
  const auth = issuer.env();
  // orders signs its calls to users and products with its own key; they trust its public half.
  const ordersKey = generateServiceKey();
  const authEnv = (name: ServiceName): Record<string, string> => ({
    ...auth,
    ...(name === 'orders' ? { SERVICE_PRIVATE_KEY: ordersKey.privateKey } : {}),
    ...(name === 'users' || name === 'products' ? { SERVICE_TRUSTED_CALLERS: `orders=${ordersKey.publicKey}` } : {}),
  });
  const ports = {} as Record<ServiceName, number>;
  for (const name of SERVICES)
    ports[name] =
      o.ports?.[name] ??
      (o.basePort
        ? shiftedPort(name, o.basePort)
        : await freeServicePort(new Set([...Object.values(ports), ...Object.values(o.ports ?? {})])));
  const urls = Object.fromEntries(SERVICES.map((s) => [s, `http://127.0.0.1:${ports[s]}`])) as Record<
    ServiceName,
    string
  >;
  const logs = Object.fromEntries(SERVICES.map((s) => [s, [] as string[]])) as Record<ServiceName, string[]>;
  const children = new Map<ServiceName, ChildProcess>();
  const released: Partial<Record<ServiceName, Record<string, string>>> = {};

  const envFor = (name: ServiceName): NodeJS.ProcessEnv => {
    const env: NodeJS.ProcessEnv = {};
    for (const k of KEEP_ENV) if (process.env[k] !== undefined) env[k] = process.env[k];
    const service = REGISTRY[name];
    if (o.passEnv)
      for (const k of acceptedEnvNames(service.config)) if (process.env[k] !== undefined) env[k] = process.env[k];
    Object.assign(env, {
      NODE_OPTIONS: [SERVICE_NODE_OPTIONS, process.env.NODE_OPTIONS].filter(Boolean).join(' '),
      PORT: String(ports[name]),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      SHUTDOWN_DRAIN_MS: '0',
      SHUTDOWN_TIMEOUT_MS: '10000',
    });
    if (!o.launch) env.NODE_COMPILE_CACHE = COMPILE_CACHE_DIR;
    if (service.dbSchema) env.DATABASE_URL = o.databaseUrl;
    if (o.redisUrl && service.redis) env.REDIS_URL = o.redisUrl;
    // Only what the service declares: conduit keeps its own RealWorld token scheme.
    const declared = new Set(acceptedEnvNames(service.config));
    for (const [k, v] of Object.entries(authEnv(name))) if (declared.has(k)) env[k] = v;
    if (name === 'conduit') env.CONDUIT_JWT_SECRET = (issuer as DevIssuer).deriveSecret('conduit');
    for (const callee of service.calls) env[urlEnv(callee)] = urls[callee];
    if (o.dynamodb && (name === 'orders' || name === 'products')) Object.assign(env, dynamoEnv(name, o.dynamodb));
    return { ...env, ...o.env, ...o.serviceEnv?.[name], ...released[name] };
  };

  /** A start that failed, with the last lines the service logged: the first clue to why (a migration waiting on a
   * lock, a dependency it is still retrying, the error it exited with). */
  const startFailure = (name: ServiceName, what: string) => {
    const tail = logs[name].slice(-5).join('\n');
    return new StartError(`${name} ${what}${tail ? `:\n${tail}` : ''}`);
  };

  const waitReady = async (name: ServiceName, timeoutMs = o.readyTimeoutMs ?? 20_000) => {
    const deadline = Date.now() + timeoutMs;
    let last = 'no answer';
    while (Date.now() < deadline) {
      const child = children.get(name);
      if (!child || child.exitCode !== null || child.signalCode !== null)
        throw startFailure(name, 'exited during start');
      try {
        const res = await fetch(`${urls[name]}/ready`, { signal: AbortSignal.timeout(1000) });
        if (res.status === 200) return;
        last = `${res.status} ${await res.text()}`;
      } catch (err) {
        last = (err as Error).message;
      }
      await sleep(100);
    }
    throw startFailure(name, `was not ready within ${timeoutMs} ms (${last})`);
  };

  /** Services stopped on purpose (stopService/stop): their exit is not a crash. */
  const stopping = new Set<ServiceName>();
  const attempts = new Map<ServiceName, number>();
  let closed = false;

  const supervise = (name: ServiceName, child: ChildProcess, startedAt: number) => {
    child.once('exit', (code, signal) => {
      if (closed || stopping.has(name) || children.get(name) !== child) return;
      const attempt = Date.now() - startedAt > STABLE_MS ? 1 : (attempts.get(name) ?? 0) + 1;
      attempts.set(name, attempt);
      const delayMs = restartDelayMs(attempt);
      o.onRestart?.({ service: name, phase: 'exited', exit: signal ?? `code ${code}`, attempt, delayMs });
      setTimeout(() => {
        if (closed || stopping.has(name)) return;
        startService(name).then(
          () => o.onRestart?.({ service: name, phase: 'ready', attempt }),
          // A start that fails exits the child, and that exit schedules the next attempt.
          (err: Error) =>
            o.onRestart?.({ service: name, phase: 'failed', attempt, reason: err.message.split('\n')[0] ?? '' }),
        );
      }, delayMs).unref();
    });
  };

  const startService = async (name: ServiceName, env?: Record<string, string>) => {
    if (env) released[name] = { ...released[name], ...env };
    stopping.delete(name);
    const child = (o.launch ?? launchProcess)(name, envFor(name));
    children.set(name, child);
    if (o.supervise) supervise(name, child, Date.now());
    for (const stream of [child.stdout, child.stderr]) {
      if (stream === null) continue;
      createInterface({ input: stream }).on('line', (line) => {
        const buf = logs[name];
        buf.push(line);
        if (buf.length > 50_000) buf.splice(0, 10_000);
        o.onLog?.(name, line);
      });
    }
    await waitReady(name);
  };

  const stopService = async (name: ServiceName, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> => {
    stopping.add(name);
    const child = children.get(name);
    if (!child || child.exitCode !== null || child.signalCode !== null) return child?.exitCode ?? null;
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill(signal);
    return exited;
  };

  const stack: Stack = {
    urls,
    ports,
    adminToken: await issuer.mint({ sub: DEV_ADMIN_SUB, admin: true }),
    issuer,
    userToken: (sub) => (issuer as DevIssuer).mint({ sub }),
    authEnv,
    logs,
    pid: (name) => children.get(name)?.pid,
    stopService,
    startService,
    waitReady,
    envOf: (name) => envFor(name),
    stop: async () => {
      closed = true;
      await Promise.all(SERVICES.map((s) => stopService(s)));
      if (ownIssuer) await (issuer as DevIssuer).close();
    },
  };
  try {
    await compileCache;
    // Dependencies first, so orders' first calls (and its reconciler) find them answering.
    for (const wave of START_WAVES) await Promise.all(wave.map((s) => startService(s)));
  } catch (err) {
    await stack.stop();
    throw err;
  }
  return stack;
}

/** Creates the tables of a DynamoDB target when missing (npm run migrate with STORE=dynamodb does the same). */
export async function migrateDynamoTarget(target: DynamoTarget): Promise<void> {
  for (const service of ['orders', 'products'] as const) {
    await migrateDynamo([service], {
      DYNAMODB_TABLE: target.tables[service],
      AWS_REGION: target.region,
      ...(target.endpoint ? { DYNAMODB_ENDPOINT: target.endpoint } : {}),
    });
  }
}
