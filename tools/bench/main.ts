// npm run bench [-- --duration 10 --connections 50 --gateway-url URL ...]
// Loads the running system (or starts one) scenario by scenario, compares each with a bare Fastify baseline
// measured in the same run, reports throughput, latency and each service's peak RSS against the goals, and
// writes the figures to bench-results/.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { findAdminToken } from '../acceptance/token.ts';
import { judgeGoals, type GoalResult, type Measured } from './goals.ts';
import { loadProblems, runLoad, type LoadFigures, type LoadOptions } from './load.ts';
import { runPaced } from './paced.ts';
import { RssSampler } from './rss.ts';
import { isReady, startSystem, type ServiceUrls, type SystemUnderTest } from './system.ts';

const usage = `Usage: npm run bench -- [options]

  --duration S          seconds per measured scenario (default 10)
  --connections N       concurrent connections (default 50)
  --gateway-url URL     default $GATEWAY_URL or http://127.0.0.1:3000
  --users-url URL       default $USERS_URL or http://127.0.0.1:3001
  --products-url URL    default $PRODUCTS_URL or http://127.0.0.1:3002
  --orders-url URL      default $ORDERS_URL or http://127.0.0.1:3003
  --database-url URL    server for the ${'`shipshape_bench`'} database when the gateway is not running and the
                        benchmark starts the system itself (default $DATABASE_URL or postgres://postgres@127.0.0.1:5432/postgres)
  --redis-url URL       Redis for a system started here (default $REDIS_URL; without it, the in-process cache)
  --log-level LEVEL     LOG_LEVEL of a system started here (default warn: its logs come back through this
                        process, so per-request logs would load the load generator)
  --out DIR             where to write the JSON results (default bench-results)

Against a running system, admin calls use $ACCEPTANCE_ADMIN_TOKEN, a token signed with $JWT_SECRET, or (for npm start
on this machine) one signed with its development secret; the gateway's RATE_LIMIT_MAX must allow the load.`;

interface Scenario extends Measured {
  key: string;
  name: string;
  target: string;
  /** Requests per second sent on a fixed schedule (open loop); unset for closed-loop scenarios. */
  ratePerSecond?: number;
  ratioToBaseline?: number;
  rssMb: Record<string, number | null>;
  note?: string;
}

const log = (line: string) => process.stderr.write(`${line}\n`);

function options() {
  const env = process.env;
  const { values } = parseArgs({
    options: {
      duration: { type: 'string', default: '10' },
      connections: { type: 'string', default: '50' },
      'gateway-url': { type: 'string', default: env.GATEWAY_URL || 'http://127.0.0.1:3000' },
      'users-url': { type: 'string', default: env.USERS_URL || 'http://127.0.0.1:3001' },
      'products-url': { type: 'string', default: env.PRODUCTS_URL || 'http://127.0.0.1:3002' },
      'orders-url': { type: 'string', default: env.ORDERS_URL || 'http://127.0.0.1:3003' },
      'database-url': { type: 'string', default: env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres' },
      'redis-url': { type: 'string', default: env.REDIS_URL || '' },
      'log-level': { type: 'string', default: 'warn' },
      out: { type: 'string', default: 'bench-results' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const durationSeconds = Number(values.duration);
  const connections = Number(values.connections);
  if (!(durationSeconds >= 1) || !Number.isInteger(connections) || connections < 1)
    throw new Error('--duration and --connections must be positive numbers');
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
    },
    databaseUrl: values['database-url'],
    redisUrl: values['redis-url'] || undefined,
    logLevel: values['log-level'],
    out: values.out,
  };
}

async function api(method: string, url: string, body?: unknown, token?: string): Promise<Record<string, unknown>> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (token) headers.authorization = `Bearer ${token}`;
  const response = await fetch(url, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${url}: HTTP ${response.status} ${text.slice(0, 300)}`);
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

/** Starts the bare Fastify hello-world in its own process and returns its URL. */
async function startBaseline(): Promise<{ url: string; stop(): Promise<void> }> {
  const child = spawn(process.execPath, [fileURLToPath(new URL('./baseline-server.ts', import.meta.url))], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const lines = createInterface({ input: child.stdout });
  for await (const line of lines) {
    lines.close();
    const { url } = JSON.parse(line) as { url: string };
    return {
      url,
      stop: async () => {
        child.kill('SIGTERM');
        await exited;
      },
    };
  }
  throw new Error('the baseline server exited before listening');
}

async function main(): Promise<number> {
  let opts;
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
      adminToken: findAdminToken(opts.urls.gateway)?.token,
      startedHere: false,
      stop: async () => {},
    };
    log(`Benchmarking the system at ${opts.urls.gateway}`);
  } else {
    log(
      `No ready gateway at ${opts.urls.gateway}: starting the system on the shipshape_bench database (${new URL(opts.databaseUrl).host}).`,
    );
    try {
      // The gateway limits each client, and one load generator is one client.
      const env = { RATE_LIMIT_MAX: '1000000', LOG_LEVEL: opts.logLevel };
      system = await startSystem({ databaseUrl: opts.databaseUrl, redisUrl: opts.redisUrl, env });
    } catch (err) {
      log(`bench: could not start the system: ${(err as Error).message}`);
      return 2;
    }
  }
  const stopSystem = () => void system.stop();
  process.once('SIGINT', stopSystem);
  try {
    if (!system.adminToken) {
      log(
        'bench: set ACCEPTANCE_ADMIN_TOKEN (an admin JWT) or JWT_SECRET (to sign one): the benchmark creates a product to order.',
      );
      return 2;
    }
    return await benchmark(system, system.adminToken, opts);
  } catch (err) {
    log(`bench: ${(err as Error).message}`);
    return 1;
  } finally {
    if (system.startedHere) log('Stopping the system started for the benchmark.');
    await system.stop();
    process.removeListener('SIGINT', stopSystem);
  }
}

async function benchmark(
  system: SystemUnderTest,
  adminToken: string,
  opts: ReturnType<typeof options>,
): Promise<number> {
  const { urls } = system;
  const { durationSeconds, connections } = opts;
  const tag = randomUUID().slice(0, 8);
  // Other work on the machine shares its cores with the system and the load generator: recorded with the figures.
  const loadBefore = loadavg()[0] ?? 0;
  const user = await api('POST', `${urls.gateway}/users`, { name: `Bench ${tag}`, email: `bench+${tag}@example.com` });
  const removeUser = () =>
    api('DELETE', `${urls.gateway}/users/${String(user.id)}`).catch((err: Error) => log(`cleanup: ${err.message}`));
  const product = await api(
    'POST',
    `${urls.gateway}/products`,
    {
      sku: `BENCH-${tag}`,
      name: `Bench product ${tag}`,
      description: 'Stock for the order scenario; removed at the end.',
      priceCents: 100,
      currency: 'USD',
      stock: 1_000_000_000,
    },
    adminToken,
  ).catch(async (err: unknown) => {
    await removeUser();
    throw err;
  });
  const userId = String(user.id);
  const productId = String(product.id);
  const baseline = await startBaseline();
  const directProducts = await isReady(urls.products);
  const scenarios: Scenario[] = [];

  /** Runs one scenario (after a one-second warm-up) while sampling each service's RSS. */
  const measure = async (
    key: string,
    name: string,
    load: Omit<LoadOptions, 'connections' | 'durationSeconds'>,
    pacedRate?: number,
  ) => {
    log(
      `  ${name}: ${durationSeconds} s, ${pacedRate ? `${pacedRate} req/s evenly spaced` : `${connections} connections`}…`,
    );
    const run = (seconds: number) =>
      pacedRate
        ? runPaced({
            ...load,
            method: load.method ?? 'GET',
            headers: load.headers ?? {},
            ratePerSecond: pacedRate,
            durationSeconds: seconds,
          })
        : runLoad({ ...load, connections, durationSeconds: seconds });
    await run(1);
    const sampler = new RssSampler(key === 'baseline' ? {} : { ...urls });
    sampler.start();
    let figures: LoadFigures | undefined;
    try {
      figures = await run(durationSeconds);
    } finally {
      const rssMb = await sampler.stop();
      const scenario: Scenario = {
        key,
        name,
        target: load.url,
        rssMb,
        problems: figures ? loadProblems(figures) : ['did not run'],
      };
      if (figures) scenario.figures = figures;
      if (pacedRate) scenario.ratePerSecond = pacedRate;
      scenarios.push(scenario);
    }
    return figures;
  };

  try {
    await api('GET', `${urls.gateway}/products/${productId}`); // fill the caches the reads use
    await api('GET', `${urls.gateway}/users/${userId}`);
    log('Scenarios:');
    await measure('baseline', 'baseline: bare Fastify hello-world', { url: `${baseline.url}/` });
    if (directProducts) {
      await measure('products-direct', 'GET /products/:id on products (cached)', {
        url: `${urls.products}/products/${productId}`,
      });
    } else {
      scenarios.push({
        key: 'products-direct',
        name: 'GET /products/:id on products (cached)',
        target: urls.products,
        rssMb: {},
        problems: [],
        note: 'products service not reachable directly',
      });
    }
    await measure('products-gateway', 'GET /products/:id via gateway (cached)', {
      url: `${urls.gateway}/products/${productId}`,
    });
    await measure('users-gateway', 'GET /users/:id via gateway (cached)', { url: `${urls.gateway}/users/${userId}` });
    const order = {
      url: `${urls.gateway}/orders`,
      method: 'POST' as const,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ userId, items: [{ productId, quantity: 1 }] }),
      perRequest: () => ({ headers: { 'idempotency-key': `bench-${randomUUID()}` } }),
    };
    const max = await measure('orders-max', 'POST /orders via gateway, maximum rate', order);
    if (max && loadProblems(max).length === 0 && max.requestsPerSecond >= 2) {
      await measure(
        'orders-half',
        'POST /orders via gateway, half the maximum rate',
        order,
        Math.floor(max.requestsPerSecond / 2),
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
  } finally {
    await baseline.stop();
    await api('DELETE', `${urls.gateway}/products/${productId}`, undefined, adminToken).catch((err: Error) =>
      log(`cleanup: ${err.message}`),
    );
    await removeUser();
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
    baseline: byKey('baseline'),
    productsDirect: byKey('products-direct'),
    productsGateway: byKey('products-gateway'),
    ordersAtHalfRate: byKey('orders-half'),
    rssMb: rssPeakMb,
  });

  console.log(report(scenarios, rssPeakMb, goals));
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
      ...(system.startedHere ? { logLevel: opts.logLevel, cache: opts.redisUrl ? 'redis' : 'in-process' } : {}),
    },
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      node: process.version,
      loadAverage1m: { before: loadBefore, after: loadavg()[0] ?? 0 },
    },
    scenarios,
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

function report(scenarios: Scenario[], rssPeakMb: Record<string, number | null>, goals: GoalResult[]): string {
  const rows = [['scenario', 'req/s', 'p50 ms', 'p99 ms', 'vs baseline', 'notes']];
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
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const table = rows.map((r) =>
    r
      .map((cell, i) => (i === 0 || i === 5 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!)))
      .join('  ')
      .trimEnd(),
  );
  const rss = Object.entries(rssPeakMb)
    .map(([name, mb]) => `${name} ${mb === null ? '?' : `${mb} MB`}`)
    .join(', ');
  return [
    '',
    ...table,
    '',
    `Peak RSS under load: ${rss}`,
    '',
    'Goals:',
    ...goals.map((g) => `  ${g.verdict.padEnd(7)} ${g.goal}: ${g.actual}`),
  ].join('\n');
}

process.exitCode = await main();
