// The release rehearsal: the whole canary decision on this machine with real processes.
//   - the system (gateway, users, products, orders) serves real user traffic, a real Prometheus scrapes products;
//   - a new products version starts beside the stable one and the splitter in front of products gives it a share;
//   - the gate (deploy/release/analysis.yaml, rehearsal profile) decides from Prometheus data;
//   - Successful: all traffic moves to the new version, the old one stops (it is the stable version from then on);
//     Failed or Inconclusive: all traffic goes back to the stable version and the canary stops.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { startPrometheus, type Prometheus } from '../check-observability/lib/prometheus.ts';
import { startServiceProcess, type ServiceProcess } from '../check-observability/lib/service-process.ts';
import { metricsAddress } from '../dev/services.ts';
import { startStack, type Stack } from '../dev/stack.ts';
import { durationMs, loadAnalysis, type Analysis } from './analysis.ts';
import type { Phase } from './decide.ts';
import { runGate, type GateResult } from './gate.ts';
import { startSplitter, type Splitter, type Track, type TrackCounts } from './splitter.ts';

/** The versions a rehearsal can deploy: a good one, and bad ones made with the products service's fault flags. */
export const OUTCOMES = {
  good: { description: 'a good version', env: {} },
  errors: { description: 'a bad version that fails every tenth request', env: { FAULT_ERROR_RATIO: '0.1' } },
  latency: { description: 'a bad version 300 ms slower', env: { FAULT_DELAY_MS: '300' } },
} as const satisfies Record<string, { description: string; env: Record<string, string> }>;
export type Outcome = keyof typeof OUTCOMES;

export interface RehearsalOptions {
  outcomes: Outcome[];
  /** PostgreSQL to create the rehearsal's own database on (dropped at the end). */
  adminDatabaseUrl: string;
  /** Ports basePort..basePort+3 for the system, basePort+10 for the splitter; random when unset. */
  basePort?: number;
  profile?: string;
  /** Share of the products traffic the canary takes. */
  canaryWeight?: number;
  print?: (line: string) => void;
}

export interface OutcomeReport {
  outcome: Outcome;
  verdict: Phase;
  action: 'promoted' | 'rolled back';
  reason: string;
  /** From starting the new version's process to the verdict (start, readiness, first scrape, analysis). */
  deployToVerdictMs: number;
  /** From the moment the canary took traffic to the verdict. */
  trafficToVerdictMs: number;
  /** User requests through the gateway while the canary took traffic, and how many of them failed (5xx, no answer). */
  userRequests: number;
  userFailures: number;
  /** What each version answered the gateway meanwhile. */
  byTrack: Record<Track, TrackCounts>;
  /** User requests that failed in the seconds after the verdict's action (none expected). */
  failuresAfter: number;
  gate: GateResult;
}

const PRODUCTS = 'products';

/** Prometheus file-based discovery of the products versions, each labelled with its track. */
function productTargets(dir: string) {
  const file = join(dir, 'products-targets.json');
  const set = (targets: { url: string; track: Track }[]) => {
    const groups = targets.map((t) => ({ targets: [metricsAddress(t.url)], labels: { track: t.track } }));
    writeFileSync(`${file}.tmp`, JSON.stringify(groups));
    renameSync(`${file}.tmp`, file);
  };
  set([]);
  return {
    scrapeConfig: {
      job_name: PRODUCTS,
      honor_labels: true,
      file_sd_configs: [{ files: [file], refresh_interval: '1s' }],
    },
    set,
  };
}

interface Traffic {
  /** Requests and failures so far. */
  totals(): { requests: number; failures: number };
  stop(): Promise<void>;
}

/** Real user traffic through the gateway: catalog pages and product reads from a few concurrent users. */
function startTraffic(gateway: string, productIds: string[], users = 4, pauseMs = 40): Traffic {
  let running = true;
  let requests = 0;
  let failures = 0;
  const user = async (u: number) => {
    for (let i = u; running; i++) {
      const path = i % 3 === 0 ? '/products?limit=10' : `/products/${productIds[i % productIds.length]}`;
      try {
        const res = await fetch(`${gateway}${path}`, { signal: AbortSignal.timeout(5000) });
        await res.arrayBuffer();
        requests += 1;
        if (res.status >= 500) failures += 1;
      } catch {
        requests += 1;
        failures += 1;
      }
      await sleep(pauseMs);
    }
  };
  const loops = Array.from({ length: users }, (_, u) => user(u));
  return {
    totals: () => ({ requests, failures }),
    stop: async () => {
      running = false;
      await Promise.all(loops);
    },
  };
}

const diff = (a: Record<Track, TrackCounts>, b: Record<Track, TrackCounts>): Record<Track, TrackCounts> => ({
  stable: { requests: b.stable.requests - a.stable.requests, failed: b.stable.failed - a.stable.failed },
  canary: { requests: b.canary.requests - a.canary.requests, failed: b.canary.failed - a.canary.failed },
});

async function waitReady(url: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(`${url}/ready`, { signal: AbortSignal.timeout(1000) })).ok) return;
    } catch {
      // not yet
    }
    await sleep(100);
  }
  throw new Error(`${url} was not ready within ${timeoutMs} ms`);
}

export async function rehearse(o: RehearsalOptions): Promise<OutcomeReport[]> {
  const print = o.print ?? ((line: string) => console.log(line));
  const analysis: Analysis = loadAnalysis(o.profile ?? 'rehearsal');
  const weight = o.canaryWeight ?? 0.25;
  const dbName = `shipshape_rehearsal_${randomBytes(4).toString('hex')}`;
  const dbUrl = new URL(o.adminDatabaseUrl);
  dbUrl.pathname = `/${dbName}`;
  const dir = mkdtempSync(join(tmpdir(), 'shipshape-rehearsal-'));
  const cleanups: (() => Promise<unknown>)[] = [];
  const admin = async (sql: string) => {
    const c = new pg.Client({ connectionString: o.adminDatabaseUrl });
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  };

  const reports: OutcomeReport[] = [];
  try {
    await admin(`CREATE DATABASE ${dbName}`);
    cleanups.push(() => admin(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`));

    const splitter: Splitter = await startSplitter(o.basePort ? o.basePort + 10 : 0);
    cleanups.push(() => splitter.close());
    print(`starting the system (products behind a traffic splitter at ${splitter.url})`);
    const stack: Stack = await startStack({
      databaseUrl: dbUrl.toString(),
      basePort: o.basePort,
      env: { LOG_LEVEL: 'warn' },
      serviceEnv: { gateway: { PRODUCTS_URL: splitter.url, RATE_LIMIT_MAX: '1000000' } },
    });
    cleanups.push(() => stack.stop());
    splitter.setUpstream('stable', stack.urls.products);

    const targets = productTargets(dir);
    const prom: Prometheus = await startPrometheus({ scrapeConfigs: [targets.scrapeConfig], interval: '1s' });
    cleanups.push(() => prom.stop());
    print(`Prometheus ${prom.url} scrapes every second`);

    const list = (await (await fetch(`${stack.urls.gateway}/products?limit=20`)).json()) as {
      items?: { id: string }[];
    };
    const ids = (list.items ?? []).map((p) => p.id);
    if (ids.length === 0) throw new Error('the seeded catalog is empty');
    const traffic = startTraffic(stack.urls.gateway, ids);
    cleanups.push(() => traffic.stop());

    // The stable version: at first the stack's products; after a promotion, the version promoted.
    let stable: { url: string; stop: () => Promise<unknown> } = {
      url: stack.urls.products,
      stop: () => stack.stopService('products'),
    };
    targets.set([{ url: stable.url, track: 'stable' }]);
    await prom.waitFor(
      'the stable products to be scraped',
      async () => (await prom.query('up{track="stable"} == 1')).length === 1,
    );
    await sleep(3000);

    for (const [i, outcome] of o.outcomes.entries()) {
      const spec = OUTCOMES[outcome];
      // The gate tells the versions apart by their track label only: the previous canary's series (relabelled stable
      // on promotion, or gone on rollback) must leave the window before the next canary is measured.
      if (i > 0) await sleep(durationMs(analysis.window));
      print(`\n== deploying ${spec.description} of products as a canary (${Math.round(weight * 100)}% of its traffic)`);
      const deployedAt = Date.now();
      // The stable version's settings (database, secrets, callees), on a port of its own, plus the version's faults.
      const stableEnv = Object.entries(stack.envOf(PRODUCTS)).filter(
        (e): e is [string, string] => e[0] !== 'PORT' && e[1] !== undefined,
      );
      const canary: ServiceProcess = await startServiceProcess(PRODUCTS, {
        ...Object.fromEntries(stableEnv),
        LOG_LEVEL: 'warn',
        ...spec.env,
      });
      cleanups.push(() => canary.stop());
      await waitReady(canary.url);
      targets.set([
        { url: stable.url, track: 'stable' },
        { url: canary.url, track: 'canary' },
      ]);
      await prom.waitFor(
        'the canary to be scraped',
        async () => (await prom.query('up{track="canary"} == 1')).length === 1,
      );

      const before = { split: splitter.counts(), user: traffic.totals() };
      splitter.setUpstream('canary', canary.url);
      splitter.setCanaryWeight(weight);
      const trafficAt = Date.now();
      const gate = await runGate({
        analysis,
        prometheusUrl: prom.url,
        service: PRODUCTS,
        print: (l) => print(`  ${l}`),
      });
      const times = { deployToVerdictMs: Date.now() - deployedAt, trafficToVerdictMs: Date.now() - trafficAt };

      let action: OutcomeReport['action'];
      if (gate.phase === 'Successful') {
        // Promote: all traffic to the new version, then the old one goes.
        splitter.setUpstream('stable', canary.url);
        splitter.setCanaryWeight(0);
        splitter.setUpstream('canary', undefined);
        const after = { split: splitter.counts(), user: traffic.totals() };
        targets.set([{ url: canary.url, track: 'stable' }]);
        await stable.stop();
        stable = { url: canary.url, stop: () => canary.stop() };
        action = 'promoted';
        reports.push(report(outcome, gate, action, times, before, after));
      } else {
        // Roll back: all traffic to the stable version, then the canary goes.
        splitter.setCanaryWeight(0);
        splitter.setUpstream('canary', undefined);
        const after = { split: splitter.counts(), user: traffic.totals() };
        targets.set([{ url: stable.url, track: 'stable' }]);
        await canary.stop();
        action = 'rolled back';
        reports.push(report(outcome, gate, action, times, before, after));
      }
      // A few seconds of traffic after the action: nothing may fail once the canary is gone or promoted.
      const settled = traffic.totals();
      await sleep(3000);
      const r = reports.at(-1) as OutcomeReport;
      r.failuresAfter = traffic.totals().failures - settled.failures;
      print(describeReport(r));
    }
    return reports;
  } finally {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}

function report(
  outcome: Outcome,
  gate: GateResult,
  action: OutcomeReport['action'],
  times: Pick<OutcomeReport, 'deployToVerdictMs' | 'trafficToVerdictMs'>,
  before: { split: Record<Track, TrackCounts>; user: { requests: number; failures: number } },
  after: { split: Record<Track, TrackCounts>; user: { requests: number; failures: number } },
): OutcomeReport {
  return {
    outcome,
    verdict: gate.phase,
    action,
    reason: gate.reason,
    ...times,
    userRequests: after.user.requests - before.user.requests,
    userFailures: after.user.failures - before.user.failures,
    byTrack: diff(before.split, after.split),
    failuresAfter: 0,
    gate,
  };
}

export function describeReport(r: OutcomeReport): string {
  const t = r.byTrack;
  return [
    `== ${OUTCOMES[r.outcome].description}: ${r.verdict}, ${r.action} ${(r.deployToVerdictMs / 1000).toFixed(1)} s after its deploy began (${(r.trafficToVerdictMs / 1000).toFixed(1)} s after it took traffic)`,
    `   user requests meanwhile: ${r.userRequests}, failed: ${r.userFailures}`,
    `   products answers: stable ${t.stable.requests} (${t.stable.failed} failed), canary ${t.canary.requests} (${t.canary.failed} failed)`,
    `   user requests failed in the 3 s after the ${r.action === 'promoted' ? 'promotion' : 'rollback'}: ${r.failuresAfter}`,
  ].join('\n');
}
