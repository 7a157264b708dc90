// npm run bench [-- --duration 10 --connections 50 --gateway-url URL ...]
// Loads the running system (or starts one) scenario by scenario, compares each with a yardstick measured in the same
// run (a bare Fastify hello-world, a bare Fastify + Redis GET, a bare reply-from proxy, pgbench -N), reports
// throughput, latency and each service's peak RSS against the goals, and writes the figures to bench-results/.
import { ensureArticlePage, type ArticlePage } from './realworld.ts';
import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { constants, cpus, loadavg } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { findTokens } from '../acceptance/token.ts';
import { GOALS, bracketed, judgeGoals, type GoalResult, type Measured } from './goals.ts';
import { NEAR_AFTER_MS, NEAR_BEFORE_MS, type TailAndCollections, tailAndCollections } from './collections.ts';
import { loadProblems, runLoad, type LoadFigures, type LoadOptions } from './load.ts';
import { type TimedOrder, pacedPool, runPaced } from './paced.ts';
import { type PgbenchFigures, runPgbench } from './pgbench.ts';
import { tryYardstick, type Yardstick } from './yardsticks.ts';
import { PRODUCTS as ORDER_PATH_PRODUCTS, startOrderPath, type OrderPath } from './order-path.ts';
import { RssSampler } from './rss.ts';
import {
  type CpuSnapshot,
  type GcRate,
  callsPerRequest,
  cpuPerRequest,
  gcPerSecond,
  snapshot,
  snapshotCpu,
} from './cpu.ts';
import { type SchedWait, pressureShare, schedPerRequest } from './sched.ts';
import { ORDER_STAGES, STAGE_HISTOGRAM, type StageLatency, stageLatency } from './stages.ts';
import { summarizeProfiles } from './profile.ts';
import { undoAll, undoOnEarlyEnd } from './leftovers.ts';
import { BENCH_RATE_LIMIT_MAX, callJson } from './http.ts';
import { isReady, startSystem, type ServiceUrls, type SystemUnderTest } from './system.ts';
import { REGISTRY } from '../dev/services.ts';

const usage = `Usage: npm run bench -- [options]

  --duration S          seconds per measured scenario (default 10)
  --connections N       concurrent connections (default 50)
  --gateway-url URL     default $GATEWAY_URL or http://127.0.0.1:${REGISTRY.gateway.port}
  --users-url URL       default $USERS_URL or http://127.0.0.1:${REGISTRY.users.port}
  --products-url URL    default $PRODUCTS_URL or http://127.0.0.1:${REGISTRY.products.port}
  --orders-url URL      default $ORDERS_URL or http://127.0.0.1:${REGISTRY.orders.port}
  --conduit-url URL     default $CONDUIT_URL or http://127.0.0.1:${REGISTRY.conduit.port} (for its RSS)
  --database-url URL    server for the ${'`shipshape_bench`'} database when the gateway is not running and the
                        benchmark starts the system itself (default $DATABASE_URL or postgres://postgres@127.0.0.1:5432/postgres)
  --redis-url URL       Redis for a system started here and for the Redis yardstick
                        (default $REDIS_URL or redis://127.0.0.1:6379)
  --store STORE         postgres (default) or dynamodb: where orders and products keep their data in a system
                        started here (dynamodb: DynamoDB Local, started and stopped by the benchmark); for a running
                        system, say which store it uses so the report is labelled right
  --cache MODE          redis (default: the production configuration, cache and rate limit in Redis) or
                        in-process (each service caches in memory, the gateway limits per replica)
  --log-level LEVEL     LOG_LEVEL of a system started here (default warn: its logs come back through this
                        process, so per-request logs would load the load generator)
  --out DIR             where to write the JSON results (default bench-results)
  --profile DIR         a system started here runs with V8's CPU profiler: each service writes
                        DIR/<service>/*.cpuprofile when it stops, summarised in DIR/summary.md
  --only GROUPS         run only these groups of scenarios, comma-separated: reads (the yardsticks, the steps and
                        the cached reads), realworld, orders (pgbench, the order scenarios and the bare order
                        path); the goals of the others are UNKNOWN (default: all)

Against a running system, calls carry $ACCEPTANCE_ADMIN_TOKEN and $ACCEPTANCE_USER_TOKEN (a user without a record yet:
the benchmark signs up as it), or, for npm start on this machine, tokens its development issuer mints; the gateway's
RATE_LIMIT_MAX must allow the load.`;

/** One pgbench run, with CPU per transaction where it could be read. */
type PgbenchRun = PgbenchFigures & { cpuUsPerTransaction?: Record<string, number> };

interface Scenario extends Measured {
  key: string;
  name: string;
  target: string;
  /** Requests per second sent on a fixed schedule (open loop); unset for closed-loop scenarios. */
  ratePerSecond?: number;
  ratioToBaseline?: number;
  rssMb: Record<string, number | null>;
  /** Microseconds of CPU per request by process (cpu.ts), where they could be read. */
  cpuUsPerRequest?: Record<string, number>;
  /** How long each process waited for a core, per request (sched.ts), where it could be read. */
  waitForCore?: Record<string, SchedWait>;
  /** The share of the scenario during which at least one task on the machine waited for a core (CPU pressure). */
  cpuPressure?: number;
  /** Each service's garbage collection during the scenario, per second. */
  gc?: Record<string, GcRate>;
  /** Orders' calls to users and products per order placed during the scenario, by operation (a group is one call). */
  orderCallsPerOrder?: Record<string, number>;
  /** The steps of the orders placed during the scenario, from orders' stage histogram (stages.ts). */
  orderStages?: Record<string, StageLatency>;
  /**
   * Paced scenarios on a system started here: the services' full collections during the scenario and where the orders
   * slower than the p99 goal's bound fell against them (collections.ts).
   */
  nearCollections?: TailAndCollections;
  note?: string;
}

/** Columns of the CPU table: the request's path from the edge inwards, then the machine as a whole. */
const CPU_SOURCE_ORDER = [
  'yardstick',
  'gateway',
  'users',
  'products',
  'orders',
  'conduit',
  'postgresql',
  'redis',
  'load generator',
  'machine',
];
const log = (line: string) => process.stderr.write(`${line}\n`);
/** The signals that end a run early, stopping the system it started. */
const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
const SCENARIO_GROUPS = ['reads', 'realworld', 'orders'] as const;
/** Seconds of unmeasured orders that fill the tables before the first order scenario (only for a system started here). */
const ORDERS_BEFORE_SECONDS = 3;
type ScenarioGroup = (typeof SCENARIO_GROUPS)[number];
/** Scenarios that load a yardstick rather than the system: no service RSS is sampled during them. */
const YARDSTICK_KEYS = new Set([
  'baseline',
  'yardstick-redis',
  'yardstick-redis-after',
  'yardstick-proxy',
  'yardstick-proxy-after',
  'yardstick-platform-redis',
  'read-floor',
  'gateway-floor',
  'yardstick-platform-proxy',
  'step-client',
  'step-ratelimit',
  'step-headers',
  'order-path-max',
  'order-path-same-rate',
  'order-path-half',
  'order-path-idle',
  'order-path-spread',
  'order-path-spread-half',
]);

function options() {
  const env = process.env;
  const { values } = parseArgs({
    options: {
      duration: { type: 'string', default: '10' },
      connections: { type: 'string', default: '50' },
      'gateway-url': { type: 'string', default: env.GATEWAY_URL || `http://127.0.0.1:${REGISTRY.gateway.port}` },
      'users-url': { type: 'string', default: env.USERS_URL || `http://127.0.0.1:${REGISTRY.users.port}` },
      'products-url': { type: 'string', default: env.PRODUCTS_URL || `http://127.0.0.1:${REGISTRY.products.port}` },
      'orders-url': { type: 'string', default: env.ORDERS_URL || `http://127.0.0.1:${REGISTRY.orders.port}` },
      'conduit-url': { type: 'string', default: env.CONDUIT_URL || `http://127.0.0.1:${REGISTRY.conduit.port}` },
      'database-url': { type: 'string', default: env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres' },
      'redis-url': { type: 'string', default: env.REDIS_URL || 'redis://127.0.0.1:6379' },
      cache: { type: 'string', default: 'redis' },
      store: { type: 'string', default: env.STORE || 'postgres' },
      'log-level': { type: 'string', default: 'warn' },
      out: { type: 'string', default: 'bench-results' },
      profile: { type: 'string' },
      only: { type: 'string', default: SCENARIO_GROUPS.join(',') },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const durationSeconds = Number(values.duration);
  const connections = Number(values.connections);
  if (!(durationSeconds >= 1) || !Number.isInteger(connections) || connections < 1)
    throw new Error('--duration and --connections must be positive numbers');
  if (values.cache !== 'redis' && values.cache !== 'in-process') throw new Error('--cache is redis or in-process');
  if (values.store !== 'postgres' && values.store !== 'dynamodb') throw new Error('--store is postgres or dynamodb');
  const only = new Set(values.only.split(',').map((g) => g.trim()));
  const unknownGroups = [...only].filter((g) => !(SCENARIO_GROUPS as readonly string[]).includes(g));
  if (unknownGroups.length > 0 || only.size === 0)
    throw new Error(`--only takes ${SCENARIO_GROUPS.join(', ')}; not ${unknownGroups.join(', ')}`);
  const trim = (url: string) => url.replace(/\/+$/, '');
  return {
    help: values.help,
    durationSeconds,
    connections,
    urls: {
      gateway: trim(values['gateway-url']),
      users: trim(values['users-url']),
      products: trim(values['products-url']),
      orders: trim(values['orders-url']),
      conduit: trim(values['conduit-url']),
    },
    databaseUrl: values['database-url'],
    redisUrl: values['redis-url'],
    cache: values.cache,
    store: values.store as 'postgres' | 'dynamodb',
    logLevel: values['log-level'],
    out: values.out,
    profileDir: values.profile ? resolve(values.profile) : undefined,
    runs: (group: ScenarioGroup) => only.has(group),
  };
}

/** A call to the shop's API with a Bearer token. */
const api = (method: string, url: string, body?: unknown, token?: string) =>
  callJson(method, url, body, token ? `Bearer ${token}` : undefined);

async function main(): Promise<number> {
  let opts: ReturnType<typeof options>;
  try {
    opts = options();
  } catch (err) {
    log(`${(err as Error).message}\n\n${usage}`);
    return 2;
  }
  if (opts.help) {
    console.log(usage);
    return 0;
  }

  let system: SystemUnderTest;
  if (await isReady(opts.urls.gateway)) {
    system = {
      urls: opts.urls,
      tokens: await findTokens(opts.urls.gateway),
      startedHere: false,
      stop: async () => {},
    };
    log(`Benchmarking the system at ${opts.urls.gateway}`);
    if (opts.profileDir) log('--profile applies to a system the benchmark starts; this one runs without the profiler.');
  } else {
    log(
      `No ready gateway at ${opts.urls.gateway}: starting the system on the shipshape_bench database (${new URL(opts.databaseUrl).host}).`,
    );
    try {
      const env = { RATE_LIMIT_MAX: BENCH_RATE_LIMIT_MAX, LOG_LEVEL: opts.logLevel };
      system = await startSystem({
        store: opts.store,
        databaseUrl: opts.databaseUrl,
        redisUrl: opts.cache === 'redis' ? opts.redisUrl : undefined,
        env,
        profileDir: opts.profileDir,
      });
    } catch (err) {
      log(`bench: could not start the system: ${(err as Error).message}`);
      return 2;
    }
  }
  // A signal, or a reader of its output that went away (`npm run bench 2>&1 | head`), ends the run at once; the
  // services it started stop first, so none is left running without it.
  let ending = false;
  const end = (code: number, why?: string) => {
    if (ending) return;
    ending = true;
    if (why && system.startedHere) log(`bench: ${why}: stopping the system started for the benchmark.`);
    // The yardsticks, pgbench and its scratch database go too, whoever started the system.
    void Promise.allSettled([system.stop(), undoAll()]).finally(() => process.exit(code));
  };
  const onSignal = (signal: NodeJS.Signals) => end(128 + (constants.signals[signal] ?? 0), signal);
  // Nothing more can be said where the output went: the run just ends.
  const onOutputError = (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    end(1);
  };
  for (const signal of STOP_SIGNALS) process.once(signal, onSignal);
  for (const stream of [process.stdout, process.stderr]) stream.on('error', onOutputError);
  try {
    if (!system.tokens) {
      log(
        'bench: set ACCEPTANCE_ADMIN_TOKEN (an admin token) and ACCEPTANCE_USER_TOKEN (a user token): the benchmark signs up as that user and creates a product to order.',
      );
      return 2;
    }
    return await benchmark(system, system.tokens, opts);
  } catch (err) {
    log(`bench: ${(err as Error).message}`);
    return 1;
  } finally {
    if (system.startedHere) log('Stopping the system started for the benchmark.');
    await system.stop();
    for (const signal of STOP_SIGNALS) process.removeListener(signal, onSignal);
    if (system.startedHere && opts.profileDir) {
      // Each service wrote its profile as it exited.
      await summarizeProfiles(opts.profileDir).then(
        () => log(`CPU profiles and their summary: ${opts.profileDir}/summary.md`),
        (err: Error) => log(`bench: the CPU profiles could not be summarised: ${err.message}`),
      );
    }
  }
}

/** Orders a second of the idle-latency scenario: a few percent of what the system can take. */
const IDLE_ORDER_RATE = 20;

/** Products the spread order scenario cycles through (the hot one included). */
const SPREAD_PRODUCTS = 50;

const benchProduct = (tag: string) => ({
  sku: `BENCH-${tag}`,
  name: `Bench product ${tag}`,
  description: 'Stock for the order scenarios; removed at the end.',
  priceCents: 100,
  currency: 'USD',
  stock: 1_000_000_000,
});

async function benchmark(
  system: SystemUnderTest,
  tokens: { admin: string; user: string },
  opts: ReturnType<typeof options>,
): Promise<number> {
  const adminToken = tokens.admin;
  const asUser = { authorization: `Bearer ${tokens.user}` };
  const { urls } = system;
  const { durationSeconds, connections } = opts;
  const tag = randomUUID().slice(0, 8);
  // Other work on the machine shares its cores with the system and the load generator: recorded with the figures.
  const loadBefore = loadavg()[0] ?? 0;
  const user = await api(
    'POST',
    `${urls.gateway}/users`,
    { name: `Bench ${tag}`, email: `bench+${tag}@example.com` },
    tokens.user,
  );
  const removeUser = () =>
    api('DELETE', `${urls.gateway}/users/${String(user.id)}`, undefined, tokens.user).catch((err: Error) =>
      log(`cleanup: ${err.message}`),
    );
  const product = await api('POST', `${urls.gateway}/products`, benchProduct(tag), adminToken).catch(
    async (err: unknown) => {
      await removeUser();
      throw err;
    },
  );
  const userId = String(user.id);
  const productId = String(product.id);
  /** The other products of the spread order scenario (created with the order scenarios, removed at the end). */
  const spread: string[] = [];
  const directProducts = await isReady(urls.products);
  let articles: ArticlePage | undefined;
  const scenarios: Scenario[] = [];
  const yardsticks: Yardstick[] = [];
  const redisKey = `${'shipshape:bench:yardstick:'}${tag}`;
  const redis = new Redis(opts.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  let pgbench: PgbenchRun | undefined;
  let pgbenchAgain: PgbenchRun | undefined;
  let pgbenchProblem: string | undefined;

  /** Runs one scenario (after a one-second warm-up) while sampling each service's RSS. */
  const measure = async (
    key: string,
    name: string,
    load: Omit<LoadOptions, 'connections' | 'durationSeconds'>,
    pacedRate?: number,
    yardstickPids?: Record<string, number | undefined>,
  ) => {
    log(
      `  ${name}: ${durationSeconds} s, ${pacedRate ? `${pacedRate} req/s evenly spaced` : `${connections} connections`}…`,
    );
    // The warm-up's connections carry the measured run too, so its first requests do not pay for opening them.
    const pool = pacedRate ? pacedPool(load.url) : undefined;
    // Each order of a paced scenario on a system started here, to be placed against the services' full collections.
    const timeline: TimedOrder[] | undefined =
      pacedRate && system.fullCollections && !YARDSTICK_KEYS.has(key) ? [] : undefined;
    const run = (seconds: number, measured = true) =>
      pacedRate
        ? runPaced({
            ...load,
            method: load.method ?? 'GET',
            headers: load.headers ?? {},
            ratePerSecond: pacedRate,
            durationSeconds: seconds,
            pool,
            ...(measured && timeline ? { timeline } : {}),
          })
        : runLoad({ ...load, connections, durationSeconds: seconds });
    await run(1, false);
    // A process's memory and waits for a core are read by pid: the yardsticks', and the services' when this benchmark
    // started them.
    const servicePids = system.pids?.();
    const sampler = new RssSampler(YARDSTICK_KEYS.has(key) ? {} : { ...urls }, servicePids);
    const cpuSources = YARDSTICK_KEYS.has(key)
      ? { services: {}, yardsticks: yardstickPids }
      : { services: { ...urls }, servicePids, yardsticks: yardstickPids };
    const before = await snapshot(cpuSources);
    const startedAt = performance.now();
    sampler.start();
    let figures: LoadFigures | undefined;
    let cpuUsPerRequest: Record<string, number> | undefined;
    let gc: Record<string, GcRate> | undefined;
    let waitForCore: Record<string, SchedWait> | undefined;
    let cpuPressure: number | undefined;
    let orderStages: Record<string, StageLatency> | undefined;
    let orderCallsPerOrder: Record<string, number> | undefined;
    let nearCollections: TailAndCollections | undefined;
    try {
      figures = await run(durationSeconds);
      const seconds = (performance.now() - startedAt) / 1000;
      const after = await snapshot(cpuSources);
      cpuUsPerRequest = cpuPerRequest(before.cpu, after.cpu, figures.requests);
      waitForCore = schedPerRequest(before.sched, after.sched, figures.requests);
      cpuPressure = pressureShare(before.pressureUs, after.pressureUs, seconds);
      gc = gcPerSecond(before.gc, after.gc, seconds);
      orderStages = stageLatency(before.stages, after.stages);
      orderCallsPerOrder = callsPerRequest(before.orderCalls, after.orderCalls, figures.requests);
      if (timeline && system.fullCollections)
        nearCollections = tailAndCollections(timeline, system.fullCollections(), GOALS.orderP99Ms);
    } finally {
      await pool?.close();
      const rssMb = await sampler.stop();
      const scenario: Scenario = {
        key,
        name,
        target: load.url,
        rssMb,
        problems: figures ? loadProblems(figures) : ['did not run'],
      };
      if (figures) scenario.figures = figures;
      if (cpuUsPerRequest) scenario.cpuUsPerRequest = cpuUsPerRequest;
      if (waitForCore && Object.keys(waitForCore).length > 0) scenario.waitForCore = waitForCore;
      if (cpuPressure !== undefined) scenario.cpuPressure = cpuPressure;
      if (gc && Object.keys(gc).length > 0) scenario.gc = gc;
      if (orderStages && Object.keys(orderStages).length > 0) scenario.orderStages = orderStages;
      if (orderStages && Object.keys(orderStages).length > 0 && orderCallsPerOrder)
        scenario.orderCallsPerOrder = orderCallsPerOrder;
      if (nearCollections) scenario.nearCollections = nearCollections;
      if (pacedRate) scenario.ratePerSecond = pacedRate;
      scenarios.push(scenario);
    }
    return figures;
  };
  /** Measures a yardstick, or records why it could not start (its goals are then UNKNOWN). */
  const measureYardstick = async (key: string, name: string, started: Yardstick | string, path = '/') => {
    if (typeof started === 'string') {
      scenarios.push({ key, name, target: '', rssMb: {}, problems: [`could not start: ${started}`] });
      return;
    }
    if (!yardsticks.includes(started)) yardsticks.push(started);
    await measure(key, name, { url: `${started.url}${path}` }, undefined, { yardstick: started.pid });
  };
  /**
   * The bare order path (order-path.ts): the same hops with none of the platform and no grouping, on the same
   * PostgreSQL, ordering the same single product as the order goals' scenarios. Its maximum rate, its p99 at the rate
   * of the half-rate goal, at half its own maximum and on an almost idle machine; then with its orders spread over its
   * products, at its maximum and at half of it: the floor under the order goals on this machine.
   */
  const measureOrderPath = async (halfRate: number | undefined) => {
    const names = {
      max: 'yardstick: bare order path, maximum rate',
      same: `yardstick: bare order path at the half-rate goal's rate`,
      half: 'yardstick: bare order path, half its maximum rate',
      idle: `yardstick: bare order path, ${IDLE_ORDER_RATE}/s evenly spaced`,
      spread: `yardstick: bare order path, maximum rate, ${ORDER_PATH_PRODUCTS} products`,
      spreadHalf: `yardstick: bare order path, half its maximum rate, ${ORDER_PATH_PRODUCTS} products`,
    };
    let path: OrderPath;
    try {
      path = await startOrderPath(opts.databaseUrl);
    } catch (err) {
      for (const [key, name] of [
        ['order-path-max', names.max],
        ['order-path-same-rate', names.same],
      ] as const)
        scenarios.push({ key, name, target: '', rssMb: {}, problems: [`could not start: ${(err as Error).message}`] });
      return;
    }
    try {
      const pids = {
        gateway: path.pids.proxy,
        orders: path.pids.orders,
        users: path.pids.users,
        products: path.pids.products,
      };
      const bare = {
        url: path.url,
        method: 'POST' as const,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ userId, productId: path.productId, quantity: 1 }),
        perRequest: () => ({ headers: { 'idempotency-key': `bench-${randomUUID()}` } }),
      };
      const max = await measure('order-path-max', names.max, bare, undefined, pids);
      if (halfRate) await measure('order-path-same-rate', names.same, bare, halfRate, pids);
      const ownHalf = pacedShare(max, 2);
      if (ownHalf) await measure('order-path-half', names.half, bare, ownHalf, pids);
      await measure('order-path-idle', names.idle, bare, IDLE_ORDER_RATE, pids);
      // The same path with its orders spread over its products: no row is locked by every order, so what remains is
      // the hops and the commits alone.
      let next = 0;
      const spread = {
        ...bare,
        perRequest: () => ({
          headers: { 'idempotency-key': `bench-${randomUUID()}` },
          body: JSON.stringify({ userId, productId: 1 + (next++ % ORDER_PATH_PRODUCTS), quantity: 1 }),
        }),
      };
      const spreadHalf = pacedShare(await measure('order-path-spread', names.spread, spread, undefined, pids), 2);
      if (spreadHalf) await measure('order-path-spread-half', names.spreadHalf, spread, spreadHalf, pids);
    } finally {
      await path.stop();
    }
  };
  const skipped = (key: string, name: string, target: string, note: string) =>
    scenarios.push({ key, name, target, rssMb: {}, problems: [], note });
  /** Removes what the run created; `throughApi: false` keeps to its own processes and the Redis key. */
  const cleanup = async (throughApi: boolean) => {
    await Promise.all(yardsticks.map((y) => y.stop()));
    await redis.del(redisKey).catch(() => {});
    redis.disconnect();
    if (!throughApi) return;
    await articles?.cleanup().catch((err: Error) => log(`cleanup: ${err.message}`));
    for (const id of [productId, ...spread])
      await api('DELETE', `${urls.gateway}/products/${id}`, undefined, adminToken).catch((err: Error) =>
        log(`cleanup: ${err.message}`),
      );
    await removeUser();
  };
  // A run that ends early removes them too; the user, products and articles only from a system it did not start,
  // since one it started stops whole (and its database is made anew by the next run).
  const forgetCleanup = undoOnEarlyEnd(() => cleanup(!system.startedHere));

  try {
    const productPath = `/products/${productId}`;
    await api('GET', `${urls.gateway}${productPath}`); // fill the caches the reads use
    await api('GET', `${urls.gateway}/users/${userId}`, undefined, tokens.user);
    log('Scenarios:');
    if (opts.runs('reads')) {
      await measureYardstick('baseline', 'yardstick: bare Fastify hello-world', await tryYardstick('hello'));
      // The Redis yardstick sends the very JSON the products service sends, after one GET of it from Redis.
      const productJson = directProducts
        ? await fetch(`${urls.products}${productPath}`).then((r) => r.text())
        : JSON.stringify(product);
      const redisReady = await redis
        .connect()
        .then(() => redis.set(redisKey, productJson, 'EX', 3600))
        .then(() => undefined)
        .catch((err: Error) => `Redis at ${new URL(opts.redisUrl).host}: ${err.message}`);
      // Each goal's yardstick is measured just before and just after its scenario, and judged by the mean of the
      // two (goals.ts `bracketed`): this VM's speed drifts within a minute, and A B A cancels a steady drift.
      const redisYardstick = redisReady ?? (await tryYardstick('redis-get', opts.redisUrl, redisKey));
      const redisName = 'yardstick: bare Fastify + one Redis GET';
      await measureYardstick('yardstick-redis', redisName, redisYardstick, productPath);
      if (directProducts) {
        await measure('products-direct', 'GET /products/:id on products (cached)', {
          url: `${urls.products}${productPath}`,
        });
        await measureYardstick('yardstick-redis-after', `${redisName}, again`, redisYardstick, productPath);
        // Not a goal: the step between the bare Redis GET and products, so the gap splits into what the platform's
        // per-request duties cost any service and what products' own code adds.
        await measureYardstick(
          'yardstick-platform-redis',
          'step: the same Redis GET on the platform',
          redisReady ?? (await tryYardstick('platform-redis-get', opts.redisUrl, redisKey)),
          productPath,
        );
        // Not a goal: the floor under the direct read, the least any service must do for a cached read, by hand
        // (yardstick-server.ts read-floor). Shown beside the goal, never judged.
        await measureYardstick(
          'read-floor',
          'yardstick: the read floor (the least a service does, by hand)',
          redisReady ?? (await tryYardstick('read-floor', opts.redisUrl, redisKey)),
          productPath,
        );
        const proxy = await tryYardstick('proxy', urls.products);
        const proxyName = 'yardstick: bare reply-from proxy → products';
        await measureYardstick('yardstick-proxy', proxyName, proxy, productPath);
        await measure('products-gateway', 'GET /products/:id via gateway (cached)', {
          url: `${urls.gateway}${productPath}`,
        });
        await measureYardstick('yardstick-proxy-after', `${proxyName}, again`, proxy, productPath);
        // Not a goal: the step between the bare proxy and the gateway, so the gap splits into what the platform's
        // per-request duties cost any service and what the gateway's own add.
        await measureYardstick(
          'yardstick-platform-proxy',
          'step: the same proxy on the platform → products',
          await tryYardstick('platform-proxy', urls.products),
          productPath,
        );
        // Then the gateway's own duties, each its own code, added one at a time (yardstick-server.ts).
        const limitRedis = opts.cache === 'redis' ? opts.redisUrl : '';
        for (const [key, name, duties] of [
          ['step-client', 'step: + the gateway relay (its service client in place of reply-from)', 'client'],
          ['step-ratelimit', 'step: + the rate limit', 'client,ratelimit'],
          ['step-headers', 'step: + security headers, path guard', 'client,ratelimit,headers,guard'],
        ] as const)
          await measureYardstick(
            key,
            name,
            await tryYardstick('platform-proxy', urls.products, duties, limitRedis),
            productPath,
          );
        // Not a goal: the floor under the gateway read, the least a public entry does for a read it relays, by hand
        // (yardstick-server.ts gateway-floor). Shown beside the goal, never judged.
        await measureYardstick(
          'gateway-floor',
          'yardstick: the gateway floor (the least a gateway does, by hand)',
          await tryYardstick('gateway-floor', urls.products, opts.redisUrl, BENCH_RATE_LIMIT_MAX),
          productPath,
        );
      } else {
        skipped(
          'products-direct',
          'GET /products/:id on products (cached)',
          urls.products,
          'products not reachable directly',
        );
        skipped(
          'yardstick-proxy',
          'yardstick: bare reply-from proxy → products',
          urls.products,
          'products not reachable directly',
        );
        await measure('products-gateway', 'GET /products/:id via gateway (cached)', {
          url: `${urls.gateway}${productPath}`,
        });
      }
      await measure('users-gateway', 'GET /users/:id via gateway (cached)', {
        url: `${urls.gateway}/users/${userId}`,
        headers: asUser,
      });
    }
    if (opts.runs('realworld')) {
      // RealWorld (conduit) reads as an anonymous reader sees them: cached documents relayed by the gateway.
      // Their goals are shares of the cached product read via gateway, measured just before and just after them and
      // judged by the mean of the two (A B A, as for the other read goals): minutes apart, this VM's speed can differ
      // by a third.
      try {
        articles = await ensureArticlePage(urls.gateway);
        const productRead = { url: `${urls.gateway}${productPath}` };
        await measure(
          'realworld-product',
          'GET /products/:id via gateway (cached), before the RealWorld reads',
          productRead,
        );
        await measure('articles-gateway', 'GET /api/articles (20 per page) via gateway (cached)', {
          url: `${urls.gateway}/api/articles?limit=20`,
        });
        await measure('article-gateway', 'GET /api/articles/:slug via gateway (cached)', {
          url: `${urls.gateway}/api/articles/${articles.slug}`,
        });
        await measure('realworld-product-after', 'GET /products/:id via gateway (cached), after them', productRead);
      } catch (err) {
        log(`  RealWorld scenarios could not run: ${(err as Error).message}`);
      }
    }
    if (opts.runs('orders')) {
      /** pgbench -N with PostgreSQL's CPU per transaction: what a commit costs, the floor under an order's four. */
      const measurePgbench = async (when: string): Promise<PgbenchRun | undefined> => {
        log(
          `  yardstick: pgbench -N${when}, ${durationSeconds} s, ${connections} clients on ${new URL(opts.databaseUrl).host}…`,
        );
        try {
          let before: CpuSnapshot = {};
          let after: CpuSnapshot = {};
          const run: PgbenchRun = await runPgbench(opts.databaseUrl, connections, durationSeconds, {
            beforeRun: async () => {
              before = await snapshotCpu({ services: {} });
            },
            afterRun: async () => {
              after = await snapshotCpu({ services: {} });
            },
          });
          run.cpuUsPerTransaction = cpuPerRequest(before, after, run.transactions ?? 0);
          return run;
        } catch (err) {
          pgbenchProblem ??= (err as Error).message;
          log(`  pgbench could not run: ${(err as Error).message}`);
          return undefined;
        }
      };
      for (let i = 1; i < SPREAD_PRODUCTS; i++) {
        const more = await api('POST', `${urls.gateway}/products`, benchProduct(`${tag}-${i}`), adminToken);
        spread.push(String(more.id));
      }
      pgbench = await measurePgbench('');
      const order = {
        url: `${urls.gateway}/orders`,
        method: 'POST' as const,
        headers: { 'content-type': 'application/json', ...asUser },
        body: JSON.stringify({ userId, items: [{ productId, quantity: 1 }] }),
        perRequest: () => ({ headers: { 'idempotency-key': `bench-${randomUUID()}` } }),
      };
      // Every order scenario starts on vacuumed and analysed tables that already hold orders, as a running system's
      // do (autovacuum analyses a table once a tenth of it changed) and as pgbench's runs start on vacuumed tables
      // (system.ts: vacuum). The first is preceded by an unmeasured load, so its statistics describe tables with
      // orders in them: analysed empty, the planner would keep plans for tables it believes hold nothing.
      const orderScenario: typeof measure = async (...args) => {
        await system.vacuum?.();
        return measure(...args);
      };
      if (system.vacuum) {
        log(
          `  orders before the order scenarios: ${ORDERS_BEFORE_SECONDS} s, ${connections} connections (not measured)…`,
        );
        await runLoad({ ...order, connections, durationSeconds: ORDERS_BEFORE_SECONDS });
      }
      const max = await orderScenario('orders-max', 'POST /orders via gateway, maximum rate', order);
      // A B A, as for the reads: the order rate is judged against the mean of pgbench before and after it.
      if (pgbench) pgbenchAgain = await measurePgbench(', again');
      const half = pacedShare(max, 2);
      if (half) {
        await orderScenario('orders-half', 'POST /orders via gateway, half the maximum rate', order, half);
        // Not a goal: a quarter of the maximum rate, so the latency shows against how busy the machine is (the
        // idle floor below, a quarter, a half).
        const quarter = pacedShare(max, 4);
        if (quarter)
          await orderScenario(
            'orders-quarter',
            'POST /orders via gateway, a quarter of the maximum rate',
            order,
            quarter,
          );
      } else {
        scenarios.push({
          key: 'orders-half',
          name: 'POST /orders via gateway, half the maximum rate',
          target: order.url,
          rssMb: {},
          problems: ['the maximum rate could not be measured'],
        });
      }
      // Not a goal: the latency of an order on an almost idle system, the floor under the half-rate latency goal.
      await orderScenario(
        'orders-idle',
        `POST /orders via gateway, ${IDLE_ORDER_RATE}/s evenly spaced`,
        order,
        IDLE_ORDER_RATE,
      );
      // Not a goal: the same load spread over a catalogue, so no product row is locked by every order. pgbench -N
      // has no hot row either; the difference is what one hot row costs.
      const catalogue = [productId, ...spread];
      let next = 0;
      await orderScenario('orders-spread', `POST /orders via gateway, maximum rate, ${catalogue.length} products`, {
        ...order,
        perRequest: () => ({
          headers: { 'idempotency-key': `bench-${randomUUID()}` },
          body: JSON.stringify({ userId, items: [{ productId: catalogue[next++ % catalogue.length], quantity: 1 }] }),
        }),
      });
      await measureOrderPath(half);
    }
  } finally {
    forgetCleanup();
    await cleanup(true);
  }

  const byKey = (key: string): Scenario =>
    scenarios.find((s) => s.key === key) ?? { key, name: key, target: '', rssMb: {}, problems: [] };
  const base = byKey('baseline').figures;
  for (const s of scenarios) {
    if (s.figures && base)
      s.ratioToBaseline = Math.round((s.figures.requestsPerSecond / base.requestsPerSecond) * 1000) / 1000;
  }
  const rssPeakMb: Record<string, number | null> = {};
  for (const service of Object.keys(urls)) {
    const seen = scenarios.map((s) => s.rssMb[service]).filter((mb): mb is number => typeof mb === 'number');
    rssPeakMb[service] = seen.length > 0 ? Math.max(...seen) : null;
  }
  const goals = judgeGoals({
    redisYardstick: bracketed(byKey('yardstick-redis'), byKey('yardstick-redis-after')),
    proxyYardstick: bracketed(byKey('yardstick-proxy'), byKey('yardstick-proxy-after')),
    pgbenchTps:
      pgbench && pgbenchAgain
        ? (pgbench.transactionsPerSecond + pgbenchAgain.transactionsPerSecond) / 2
        : pgbench?.transactionsPerSecond,
    productsDirect: byKey('products-direct'),
    readFloor: byKey('read-floor'),
    gatewayFloor: byKey('gateway-floor'),
    productsGateway: byKey('products-gateway'),
    realWorldYardstick: bracketed(byKey('realworld-product'), byKey('realworld-product-after')),
    articlesGateway: byKey('articles-gateway'),
    articleGateway: byKey('article-gateway'),
    ordersAtMaxRate: byKey('orders-max'),
    ordersAtHalfRate: byKey('orders-half'),
    orderPathAtHalfRate: byKey('order-path-same-rate'),
    rssMb: rssPeakMb,
  });

  const pgbenchRuns = [pgbench, pgbenchAgain].filter((r): r is PgbenchRun => r !== undefined);
  console.log(report(scenarios, rssPeakMb, goals, pgbenchRuns, pgbenchProblem));
  log(`\nStore of orders and products: ${opts.store === 'dynamodb' ? 'DynamoDB (DynamoDB Local)' : 'PostgreSQL'}.`);
  log(
    `\nMachine: ${cpus().length} CPUs, 1-minute load average ${loadBefore.toFixed(1)} before and ${(loadavg()[0] ?? 0).toFixed(1)} after the run.`,
  );
  const down = await servicesDown(system);
  for (const line of down) log(line);
  const results = {
    startedAt: new Date().toISOString(),
    durationSeconds,
    connections,
    system: {
      urls,
      startedHere: system.startedHere,
      store: opts.store,
      ...(system.startedHere ? { logLevel: opts.logLevel, cache: opts.cache } : {}),
    },
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      node: process.version,
      loadAverage1m: { before: loadBefore, after: loadavg()[0] ?? 0 },
    },
    scenarios,
    pgbench: pgbench ?? { problem: pgbenchProblem ?? 'not run' },
    ...(pgbenchAgain ? { pgbenchAgain } : {}),
    rssPeakMb,
    goals,
    notReadyAfterRun: down.map((line) => line.trim()),
  };
  await mkdir(opts.out, { recursive: true });
  const file = `${opts.out}/bench-${results.startedAt.replace(/[:.]/g, '-')}.json`;
  const json = `${JSON.stringify(results, null, 2)}\n`;
  await writeFile(file, json);
  await writeFile(`${opts.out}/latest.json`, json);
  log(`Results written to ${file}`);
  return 0;
}

/** A paced rate of 1/`divisor` of a closed-loop run's rate; undefined when that run has no usable rate. */
function pacedShare(max: LoadFigures | undefined, divisor: number): number | undefined {
  if (!max || loadProblems(max).length > 0) return undefined;
  const rate = Math.floor(max.requestsPerSecond / divisor);
  return rate >= 1 ? rate : undefined;
}

/** Services that stopped answering during the run, with their last words when the benchmark started them. */
async function servicesDown(system: SystemUnderTest): Promise<string[]> {
  const lines: string[] = [];
  for (const [name, url] of Object.entries(system.urls) as [keyof ServiceUrls, string][]) {
    if (await isReady(url)) continue;
    lines.push(`\n${name} (${url}) is not ready any more.`);
    for (const line of system.lastWords?.(name) ?? []) lines.push(`  ${name}| ${line.slice(0, 400)}`);
  }
  return lines;
}

/**
 * Beside the order goals, not goals: the latency at a quarter of the maximum rate and its floor (orders on an almost
 * idle system), and orders with no hot row.
 */
function besideOrderGoals(scenarios: Scenario[], pgbenchRuns: PgbenchRun[]): string[] {
  const lines: string[] = [];
  for (const key of ['orders-quarter', 'orders-idle']) {
    const paced = scenarios.find((s) => s.key === key);
    if (paced?.figures && paced.problems.length === 0)
      lines.push(
        `  (not a goal) ${paced.name}: p50 ${paced.figures.latencyP50Ms} ms, p99 ${paced.figures.latencyP99Ms} ms`,
      );
  }
  const spread = scenarios.find((s) => s.key === 'orders-spread');
  const rate = spread?.figures?.requestsPerSecond;
  if (spread && rate !== undefined && spread.problems.length === 0) {
    const tps = pgbenchRuns.map((r) => r.transactionsPerSecond).filter((t) => t > 0);
    const mean = tps.length ? tps.reduce((a, b) => a + b, 0) / tps.length : undefined;
    const share = mean ? `, ${Math.round((rate / mean) * 1000) / 10}% of pgbench -N (${Math.round(mean)} tps)` : '';
    lines.push(`  (not a goal) ${spread.name}: ${Math.round(rate)}/s${share}`);
  }
  return [...lines, ...orderPathLines(scenarios)];
}

/** The bare order path beside the order goals: its maximum rate, and its latency at the two paced rates. */
function orderPathLines(scenarios: Scenario[]): string[] {
  const at = (key: string) => scenarios.find((s) => s.key === key);
  const max = at('order-path-max');
  if (!max) return [];
  if (!max.figures || max.problems.length > 0)
    return [`  (the floor) ${max.name}: ${max.problems.join('; ') || 'not measured'}`];
  const lines = [`  (the floor) ${max.name}: ${Math.round(max.figures.requestsPerSecond)}/s`];
  const pacedLine = (key: string) => {
    const paced = at(key);
    if (paced?.figures && paced.problems.length === 0)
      lines.push(
        `  (the floor) ${paced.name}${key === 'order-path-idle' ? '' : ` (${paced.ratePerSecond}/s)`}: p50 ${paced.figures.latencyP50Ms} ms, p99 ${paced.figures.latencyP99Ms} ms`,
      );
  };
  for (const key of ['order-path-same-rate', 'order-path-half', 'order-path-idle']) pacedLine(key);
  const spread = at('order-path-spread');
  if (spread?.figures && spread.problems.length === 0)
    lines.push(`  (the floor) ${spread.name}: ${Math.round(spread.figures.requestsPerSecond)}/s`);
  pacedLine('order-path-spread-half');
  return lines;
}

function report(
  scenarios: Scenario[],
  rssPeakMb: Record<string, number | null>,
  goals: GoalResult[],
  pgbenchRuns: PgbenchRun[],
  pgbenchProblem: string | undefined,
): string {
  const pgbenchLine = (run: PgbenchRun) =>
    `${Math.round(run.transactionsPerSecond).toLocaleString('en-US')} tps, latency average ${run.latencyAverageMs} ms${
      run.cpuUsPerTransaction?.postgresql
        ? `; CPU per transaction: PostgreSQL ${run.cpuUsPerTransaction.postgresql} µs, machine ${run.cpuUsPerTransaction.machine ?? '?'} µs`
        : ''
    }`;
  const [first, again] = pgbenchRuns;
  const rows = [['scenario', 'req/s', 'p50 ms', 'p99 ms', 'vs hello-world', 'notes']];
  for (const s of scenarios) {
    const f = s.figures;
    rows.push([
      s.name,
      f ? Math.round(f.requestsPerSecond).toLocaleString('en-US') : '-',
      f ? String(f.latencyP50Ms) : '-',
      f ? String(f.latencyP99Ms) : '-',
      s.ratioToBaseline === undefined ? '-' : `${Math.round(s.ratioToBaseline * 100)}%`,
      [s.note, ...s.problems].filter(Boolean).join('; '),
    ]);
  }
  const table = alignTable(rows, [0, 5]);
  const sources = [...new Set(scenarios.flatMap((s) => Object.keys(s.cpuUsPerRequest ?? {})))];
  const rank = (source: string) => {
    const i = CPU_SOURCE_ORDER.indexOf(source);
    return i < 0 ? CPU_SOURCE_ORDER.length : i;
  };
  const columns = sources.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  const cpuTable = scenarioTable(
    'CPU µs per request',
    columns,
    scenarios,
    (s) => s.cpuUsPerRequest,
    (us) => us.toLocaleString('en-US'),
  );
  const waitColumns = [...new Set(scenarios.flatMap((s) => Object.keys(s.waitForCore ?? {})))].sort(
    (a, b) => rank(a) - rank(b) || a.localeCompare(b),
  );
  const waitTable = scenarioTable(
    'Waiting for a core: µs per request / runs per request',
    [...waitColumns, 'machine'],
    scenarios,
    (s) =>
      s.waitForCore || s.cpuPressure !== undefined
        ? {
            ...Object.fromEntries(
              Object.entries(s.waitForCore ?? {}).map(([k, w]) => [
                k,
                `${w.waitUsPerRequest.toLocaleString('en-US')} / ${w.runsPerRequest}`,
              ]),
            ),
            ...(s.cpuPressure === undefined ? {} : { machine: `${Math.round(s.cpuPressure * 100)}%` }),
          }
        : undefined,
    (cell) => cell,
  );
  const gcColumns = [...new Set(scenarios.flatMap((s) => Object.keys(s.gc ?? {})))].sort(
    (a, b) => rank(a) - rank(b) || a.localeCompare(b),
  );
  const gcTable = scenarioTable(
    'Garbage collection: major a second / ms a second',
    gcColumns,
    scenarios,
    (s) => s.gc,
    (g) => `${g.majorPerSecond} / ${g.msPerSecond}`,
  );
  const stageTable = scenarioTable(
    'Order steps in orders: p50 / p99 ms',
    ORDER_STAGES,
    scenarios,
    (s) => s.orderStages,
    (t) => `${t.p50Ms} / ${t.p99Ms}`,
  );
  const callColumns = [...new Set(scenarios.flatMap((s) => Object.keys(s.orderCallsPerOrder ?? {})))].sort();
  const callTable = scenarioTable(
    "Orders' calls per order",
    callColumns,
    scenarios,
    (s) => s.orderCallsPerOrder,
    (n) => String(n),
  );
  const collectionServices = ['gateway', 'users', 'products', 'orders', 'conduit'].filter((name) =>
    scenarios.some((s) => s.nearCollections?.collections[name] !== undefined),
  );
  const nearColumns = [
    ...collectionServices,
    `over ${GOALS.orderP99Ms} ms`,
    'of them near one',
    'orders near one',
    'p99 away, ms',
  ];
  const nearTable = scenarioTable(
    `Full collections, and the orders over ${GOALS.orderP99Ms} ms`,
    nearColumns,
    scenarios,
    (s) => {
      const n = s.nearCollections;
      if (!n) return undefined;
      return {
        ...Object.fromEntries(Object.entries(n.collections).map(([name, count]) => [name, String(count)])),
        [`over ${GOALS.orderP99Ms} ms`]: String(n.slowOrders),
        'of them near one': `${Math.round(n.slowNearCollection * 100)}%`,
        'orders near one': `${Math.round(n.nearShare * 100)}%`,
        'p99 away, ms': n.p99Away === undefined ? '-' : String(n.p99Away),
      };
    },
    (cell) => cell,
  );
  // Where the slow orders fell against the nearest full collection: what the span of "near one" is chosen from.
  const shownBins = [-200, -150, -100, -50, 0, 50, 100, 150];
  const offsetLabel = (fromMs: number) => `${fromMs < 0 ? '' : '+'}${fromMs}`;
  const offsetTable = scenarioTable(
    `Orders over ${GOALS.orderP99Ms} ms / orders, by when due against the nearest full collection (ms)`,
    [...shownBins.map(offsetLabel), 'farther'],
    scenarios,
    (s) => {
      const n = s.nearCollections;
      if (!n || Object.values(n.collections).every((c) => c === 0)) return undefined;
      const cells: Record<string, string> = { farther: `${n.farther.slow}/${n.farther.orders}` };
      for (const b of n.byOffset)
        if (shownBins.includes(b.fromMs)) cells[offsetLabel(b.fromMs)] = `${b.slow}/${b.orders}`;
      return cells;
    },
    (cell) => cell,
  );
  const rss = Object.entries(rssPeakMb)
    .map(([name, mb]) => `${name} ${mb === null ? '?' : `${mb} MB`}`)
    .join(', ');
  return [
    '',
    ...table,
    '',
    ...cpuTable,
    '("machine" is every process on it; on 2 cores it can give 2,000,000 µs a second.)',
    '',
    ...withNotes(
      waitTable,
      "(each process's main thread, from /proc/<pid>/schedstat: time runnable but not running, and times put on a",
      ' CPU; "machine" is the share of the scenario during which some task waited, from /proc/pressure/cpu)',
    ),
    ...withNotes(
      gcTable,
      '(main-thread collections of each service, from its nodejs_gc_duration_seconds; 1,000 ms is a core)',
    ),
    ...withNotes(
      stageTable,
      `(from ${STAGE_HISTOGRAM}, interpolated in its buckets; claim and user_check run side by side,`,
      ' and a grouped step includes the wait for the group already on its way)',
    ),
    ...withNotes(
      callTable,
      "(from orders' http_client_request_duration_seconds counts, retries included; a group of orders is one call)",
    ),
    ...withNotes(
      nearTable,
      `(each service's full collections during the scenario; an order is near one when it was due from ${NEAR_BEFORE_MS} ms`,
      ` before a collection's pause to ${NEAR_AFTER_MS} ms after it ends; "p99 away" is the p99 of the other orders)`,
    ),
    ...withNotes(
      offsetTable,
      "(each column the 50 ms from that offset to the start of the nearest full collection's pause in any service;",
      ' "farther": 300 ms or more from every one)',
    ),
    first
      ? `pgbench -N (${first.clients} clients): ${pgbenchLine(first)}${again ? `\n  again after the maximum order rate: ${pgbenchLine(again)}` : ''}`
      : `pgbench -N: not measured (${pgbenchProblem ?? 'not run'})`,
    `Peak RSS under load: ${rss}`,
    '',
    'Goals:',
    ...goals.map((g) => `  ${g.verdict.padEnd(7)} ${g.goal}: ${g.actual}`),
    ...besideOrderGoals(scenarios, pgbenchRuns),
  ].join('\n');
}

/**
 * One row per scenario that has the figures `pick` finds, one cell per column (`-` where a column has none), under a
 * header row: the CPU, garbage collection and order step tables. Just the header when no scenario has any.
 */
/** A table with its notes and a blank line after it, or nothing when it has no row below its header. */
function withNotes(table: string[], ...notes: string[]): string[] {
  return table.length > 1 ? [...table, ...notes, ''] : [];
}

function scenarioTable<T>(
  title: string,
  columns: readonly string[],
  scenarios: readonly Scenario[],
  pick: (s: Scenario) => Record<string, T> | undefined,
  cell: (value: T) => string,
): string[] {
  const rows = [[title, ...columns]];
  for (const s of scenarios) {
    const figures = pick(s);
    if (!figures) continue;
    rows.push([
      s.name,
      ...columns.map((c) => {
        const value = figures[c];
        return value === undefined ? '-' : cell(value);
      }),
    ]);
  }
  return alignTable(rows);
}

/** Rows of cells as text columns: the `left` columns left-aligned (the first by default), the others right-aligned. */
function alignTable(rows: string[][], left: readonly number[] = [0]): string[] {
  const widths = (rows[0] ?? []).map((_, i) => Math.max(...rows.map((r) => r[i]?.length ?? 0)));
  return rows.map((r) =>
    r
      .map((cell, i) => (left.includes(i) ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
}

process.exitCode = await main();
