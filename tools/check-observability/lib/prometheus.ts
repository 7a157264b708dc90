// A real Prometheus on a random loopback port, for the live checks; and the query helpers they use.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parse, stringify } from 'yaml';
import type { RuleFile } from '../../../deploy/observability/src/rule-types.ts';
import { freePort } from '../../dev/ports.ts';
import { requireBinary } from './binaries.ts';

export interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}

export interface Prometheus {
  url: string;
  query(expr: string, time?: number): Promise<Sample[]>;
  /** Polls until `check` returns true (or throws its last failure after the deadline). */
  waitFor(what: string, check: () => Promise<boolean>, timeoutMs?: number): Promise<void>;
  /** Names of the alerts firing now. */
  firing(): Promise<Sample[]>;
  stop(): Promise<void>;
  /** What Prometheus printed (warnings and errors), for failure messages. */
  log(): string;
}

export interface PrometheusOptions {
  scrapeConfigs?: unknown[];
  ruleFiles?: string[];
  /** An existing TSDB directory (e.g. blocks made with promtool); a fresh temporary one otherwise. */
  storagePath?: string;
  interval?: string;
  /** Alertmanager addresses (host:port) Prometheus sends its alerts to. */
  alertmanagers?: string[];
}

/** A copy of a rule file with every alert's `for` set to `for_` (so a fault shows as firing within seconds). */
export function withShortFor(ruleFile: string, outDir: string, for_ = '0s'): string {
  return rewriteAlerts(ruleFile, outDir, 'short-for', () => for_);
}

/** A Prometheus duration (`90s`, `5m`, `1h30m`, `500ms`) in milliseconds. */
export function durationMs(d: string): number {
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
  let total = 0;
  let rest = d.trim();
  while (rest) {
    const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/.exec(rest);
    if (!m) throw new Error(`not a duration: ${d}`);
    total += Number(m[1]) * (units[m[2] as string] as number);
    rest = rest.slice(m[0].length);
  }
  return total;
}

/** Milliseconds as the shortest Prometheus duration that states them exactly (`0s`, `500ms`, `5s`). */
export const formatDuration = (ms: number): string =>
  ms === 0 ? '0s' : ms % 1000 === 0 ? `${ms / 1000}s` : `${Math.round(ms)}ms`;

/** A copy of a rule file with every alert's `for` divided by `factor` (expressions, labels and windows unchanged). */
export function withScaledFor(ruleFile: string, outDir: string, factor: number): string {
  return rewriteAlerts(ruleFile, outDir, `for-over-${factor}`, (f) =>
    formatDuration(Math.round(durationMs(f ?? '0s') / factor)),
  );
}

function rewriteAlerts(
  ruleFile: string,
  outDir: string,
  prefix: string,
  newFor: (current: string | undefined) => string,
): string {
  const doc = parse(readFileSync(ruleFile, 'utf8')) as RuleFile;
  for (const g of doc.groups) for (const r of g.rules) if ('alert' in r) r.for = newFor(r.for);
  const out = join(outDir, `${prefix}-${ruleFile.split('/').pop() ?? 'rules.yaml'}`);
  writeFileSync(out, stringify(doc, { lineWidth: 0 }));
  return out;
}

export interface FileTargets {
  /** A scrape config (honouring the services' own labels, like the others) that reads the targets from the file. */
  scrapeConfig: unknown;
  /** Replaces the file's targets; Prometheus watches the file and scrapes the new ones within seconds. */
  set(targets: { instance: string; service: string }[]): void;
}

/** Targets that come and go during a run (extra service instances a fault test starts), through file-based discovery. */
export function fileTargets(dir: string, job: string): FileTargets {
  const file = join(dir, `${job}-targets.json`);
  const set = (targets: { instance: string; service: string }[]) => {
    writeFileSync(
      `${file}.tmp`,
      JSON.stringify(targets.map((t) => ({ targets: [t.instance], labels: { service: t.service } }))),
    );
    renameSync(`${file}.tmp`, file);
  };
  set([]);
  return {
    scrapeConfig: { job_name: job, honor_labels: true, file_sd_configs: [{ files: [file], refresh_interval: '1s' }] },
    set,
  };
}

export async function startPrometheus(o: PrometheusOptions): Promise<Prometheus> {
  const bin = requireBinary('prometheus');
  const dir = mkdtempSync(join(tmpdir(), 'shipshape-prometheus-'));
  const interval = o.interval ?? '1s';
  const config = {
    global: { scrape_interval: interval, evaluation_interval: interval, scrape_timeout: interval },
    rule_files: o.ruleFiles ?? [],
    scrape_configs: o.scrapeConfigs ?? [],
    ...(o.alertmanagers?.length
      ? { alerting: { alertmanagers: [{ static_configs: [{ targets: o.alertmanagers }] }] } }
      : {}),
  };
  const configFile = join(dir, 'prometheus.yml');
  writeFileSync(configFile, stringify(config));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let output = '';
  const child: ChildProcess = spawn(
    bin,
    [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${o.storagePath ?? join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`prometheus exited during start:\n${output}`);
    try {
      if ((await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1000) })).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`prometheus was not ready within 30 s:\n${output}`);
    }
    await sleep(200);
  }

  const query = async (expr: string, time?: number): Promise<Sample[]> => {
    const params = new URLSearchParams({ query: expr });
    if (time !== undefined) params.set('time', String(time));
    const res = await fetch(`${url}/api/v1/query?${params}`, { signal: AbortSignal.timeout(10_000) });
    const body = (await res.json()) as {
      status: string;
      error?: string;
      data?: { resultType: string; result: Sample[] | [number, string] };
    };
    if (body.status !== 'success' || !body.data) throw new Error(`query failed: ${expr}: ${body.error ?? res.status}`);
    if (body.data.resultType === 'scalar') return [{ metric: {}, value: body.data.result as [number, string] }];
    return body.data.result as Sample[];
  };

  return {
    url,
    query,
    firing: () => query('ALERTS{alertstate="firing"}'),
    waitFor: async (what, check, timeoutMs = 60_000) => {
      const end = Date.now() + timeoutMs;
      let last: unknown;
      while (Date.now() < end) {
        try {
          if (await check()) return;
        } catch (err) {
          last = err;
        }
        await sleep(500);
      }
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    },
    stop,
    log: () => output,
  };
}

/** Queries that return no series (or only NaN), each with the dashboard panel or rule that owns it. */
export async function emptyQueries(
  prom: Prometheus,
  queries: { name: string; expr: string }[],
  time?: number,
): Promise<string[]> {
  const empty: string[] = [];
  for (const q of queries) {
    const result = await prom.query(q.expr, time);
    if (!result.some((s) => s.value[1] !== 'NaN')) empty.push(`${q.name}: ${q.expr}`);
  }
  return empty;
}
