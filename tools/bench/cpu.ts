// Where the machine's CPU goes during a scenario, per request: each service (its own process_cpu_seconds_total, read
// from its metrics listener, so any deployment works), a yardstick's process, PostgreSQL and Redis (from /proc, on
// this machine only), the load generator (this process) and the whole machine (/proc/stat). On two cores, the sum
// per request bounds the rate: 2 s of CPU a second divided by the CPU one request takes. From the same read of each
// service's metrics, its garbage collection during the scenario, and from the same pass over /proc, how long each
// process waited for a core (sched.ts).
import { readdir, readFile } from 'node:fs/promises';
import { metricsAddress } from '../dev/services.ts';
import { type SchedSnapshot, type ThreadSched, parseCpuPressure, readSched } from './sched.ts';
import { type StageBuckets, parseStageBuckets } from './stages.ts';

/** CPU seconds used so far, by source. */
export type CpuSnapshot = Record<string, number>;

/** Linux reports process times in clock ticks of 1/100 s (USER_HZ). */
const TICK = 0.01;

/** `process_cpu_seconds_total` from a Prometheus text exposition. */
export function parseCpuSeconds(exposition: string): number | undefined {
  const match = /^process_cpu_seconds_total(?:\{[^}]*\})?\s+([0-9.eE+-]+)\s*$/m.exec(exposition);
  const value = Number(match?.[1]);
  return match && Number.isFinite(value) ? value : undefined;
}

/**
 * CPU of one /proc/<pid>/stat line: utime + stime, plus cutime + cstime (children it has reaped: PostgreSQL's
 * postmaster reaps every backend, so connections that closed during a scenario still count), and the command name.
 */
export function parseProcStat(line: string): { command: string; seconds: number } | undefined {
  // The command is in parentheses and may itself contain spaces or parentheses: split after the last ')'.
  const open = line.indexOf('(');
  const close = line.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const fields = line.slice(close + 2).split(' ');
  // After the command: state is field 3 of the line; utime, stime, cutime and cstime are fields 14 to 17.
  const ticks = fields.slice(11, 15).map(Number);
  if (ticks.length < 4 || ticks.some((n) => !Number.isFinite(n))) return undefined;
  return { command: line.slice(open + 1, close), seconds: ticks.reduce((a, b) => a + b, 0) * TICK };
}

/** Busy CPU seconds of the whole machine (all but idle and I/O wait) from the first line of /proc/stat. */
export function parseMachineBusySeconds(procStat: string): number | undefined {
  const fields = procStat.split('\n')[0]?.trim().split(/\s+/).slice(1).map(Number) ?? [];
  if (fields.length < 5 || fields.some((n) => !Number.isFinite(n))) return undefined;
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = fields;
  return (user + nice + system + irq + softirq + steal) * TICK;
}

/** Garbage collection so far in one service, from prom-client's `nodejs_gc_duration_seconds` histogram. */
export interface GcCounters {
  /** Major (mark-compact) collections. */
  major: number;
  /** Minor (scavenge) collections. */
  minor: number;
  /** Seconds spent in collections of every kind on the main thread. */
  seconds: number;
}

/** GcCounters from a Prometheus text exposition; undefined when it has no collection on record. */
export function parseGc(exposition: string): GcCounters | undefined {
  const out: GcCounters = { major: 0, minor: 0, seconds: 0 };
  let seen = false;
  for (const m of exposition.matchAll(/^nodejs_gc_duration_seconds_(count|sum)\{([^}]*)\}\s+([0-9.eE+-]+)\s*$/gm)) {
    const value = Number(m[3]);
    if (!Number.isFinite(value)) continue;
    seen = true;
    if (m[1] === 'sum') out.seconds += value;
    else if (/(^|,)kind="major"/.test(m[2] ?? '')) out.major += value;
    else if (/(^|,)kind="minor"/.test(m[2] ?? '')) out.minor += value;
  }
  return seen ? out : undefined;
}

/** Calls a service made to others so far, by operation, from its `http_client_request_duration_seconds` counts. */
export function parseClientCalls(exposition: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of exposition.matchAll(/^http_client_request_duration_seconds_count\{([^}]*)\}\s+([0-9.eE+-]+)\s*$/gm)) {
    const operation = /(?:^|,)operation="([^"]*)"/.exec(m[1] ?? '')?.[1];
    const value = Number(m[2]);
    if (operation === undefined || !Number.isFinite(value)) continue;
    out[operation] = (out[operation] ?? 0) + value;
  }
  return out;
}

/** Calls per request by operation between two reads of `parseClientCalls`; operations with no call left out. */
export function callsPerRequest(
  before: Record<string, number>,
  after: Record<string, number>,
  requests: number,
): Record<string, number> {
  const out: Record<string, number> = {};
  if (requests <= 0) return out;
  for (const [operation, end] of Object.entries(after)) {
    const calls = end - (before[operation] ?? 0);
    if (calls > 0) out[operation] = Math.round((calls / requests) * 100) / 100;
  }
  return out;
}

/** A service's metrics exposition, or undefined when its metrics listener does not answer. */
async function serviceExposition(url: string): Promise<string | undefined> {
  try {
    const response = await fetch(`http://${metricsAddress(url)}/metrics`, { signal: AbortSignal.timeout(2000) });
    return response.ok ? await response.text() : undefined;
  } catch {
    return undefined;
  }
}

/** CPU seconds of every process by command name (PostgreSQL backends all run as `postgres`), and their pids. */
async function processCpuByCommand(
  commands: Set<string>,
): Promise<Record<string, { seconds: number; pids: string[] }>> {
  const out: Record<string, { seconds: number; pids: string[] }> = {};
  let entries: string[] = [];
  try {
    entries = await readdir('/proc');
  } catch {
    return out;
  }
  await Promise.all(
    entries
      .filter((e) => /^\d+$/.test(e))
      .map(async (pid) => {
        const stat = parseProcStat(await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => ''));
        if (!stat || !commands.has(stat.command)) return;
        const seen = out[stat.command] ?? { seconds: 0, pids: [] };
        seen.seconds += stat.seconds;
        seen.pids.push(pid);
        out[stat.command] = seen;
      }),
  );
  return out;
}

/** Each process's scheduler counters, by source and pid (sources whose pid is unknown or unreadable left out). */
async function schedOf(sources: Record<string, (number | string)[]>): Promise<SchedSnapshot> {
  const out: SchedSnapshot = {};
  await Promise.all(
    Object.entries(sources).map(async ([name, pids]) => {
      const read = await Promise.all(pids.map(async (pid) => [String(pid), await readSched(pid)] as const));
      const known = read.filter((r): r is readonly [string, ThreadSched] => r[1] !== undefined);
      if (known.length > 0) out[name] = Object.fromEntries(known);
    }),
  );
  return out;
}

async function pidCpu(pid: number): Promise<number | undefined> {
  const stat = parseProcStat(await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => ''));
  return stat?.seconds;
}

export interface CpuSources {
  /** Service name → API URL (the metrics listener is found beside it). */
  services: Record<string, string>;
  /** Service name → process id, where the services run on this machine (their waits for a core are read by pid). */
  servicePids?: Record<string, number | undefined>;
  /** The yardstick processes the scenario loads, by the column each is reported in (`yardstick`, or a hop's service). */
  yardsticks?: Record<string, number | undefined>;
}

/** Collections so far, by service. */
export type GcSnapshot = Record<string, GcCounters>;

/** CPU by source, garbage collection by service and orders' step histogram, read once from every source. */
export interface Snapshot {
  cpu: CpuSnapshot;
  gc: GcSnapshot;
  stages: StageBuckets;
  /** Orders' calls to users and products so far, by operation. */
  orderCalls: Record<string, number>;
  /** Each process's main-thread scheduler counters, by source and pid (sched.ts). */
  sched: SchedSnapshot;
  /** The machine's CPU pressure so far, in µs (`some` of /proc/pressure/cpu), where the kernel reports it. */
  pressureUs?: number;
}

/** Reads every source once. Sources that cannot be read are left out, never reported as zero. */
export async function snapshotCpu(sources: CpuSources): Promise<CpuSnapshot> {
  return (await snapshot(sources)).cpu;
}

/** snapshotCpu, and each service's garbage collection from the same read of its metrics. */
export async function snapshot(sources: CpuSources): Promise<Snapshot> {
  const out: CpuSnapshot = {};
  const gc: GcSnapshot = {};
  let stages: StageBuckets = {};
  let orderCalls: Record<string, number> = {};
  const [services, processes, machine, yardsticks, pressureUs] = await Promise.all([
    Promise.all(
      Object.entries(sources.services).map(async ([name, url]) => [name, await serviceExposition(url)] as const),
    ),
    processCpuByCommand(new Set(['postgres', 'redis-server'])),
    readFile('/proc/stat', 'utf8').then(parseMachineBusySeconds, () => undefined),
    Promise.all(
      Object.entries(sources.yardsticks ?? {}).map(
        async ([name, pid]) => [name, pid === undefined ? undefined : await pidCpu(pid)] as const,
      ),
    ),
    readFile('/proc/pressure/cpu', 'utf8').then(parseCpuPressure, () => undefined),
  ]);
  for (const [name, text] of services) {
    const seconds = text === undefined ? undefined : parseCpuSeconds(text);
    if (seconds !== undefined) out[name] = seconds;
    const collections = text === undefined ? undefined : parseGc(text);
    if (collections) gc[name] = collections;
    if (name === 'orders' && text !== undefined) {
      stages = parseStageBuckets(text);
      orderCalls = parseClientCalls(text);
    }
  }
  for (const [name, seconds] of yardsticks) if (seconds !== undefined) out[name] = seconds;
  if (processes.postgres !== undefined) out.postgresql = processes.postgres.seconds;
  if (processes['redis-server'] !== undefined) out.redis = processes['redis-server'].seconds;
  const own = process.cpuUsage();
  out['load generator'] = (own.user + own.system) / 1e6;
  if (machine !== undefined) out.machine = machine;
  const byPid = (pids: Record<string, number | undefined> | undefined) =>
    Object.fromEntries(
      Object.entries(pids ?? {}).flatMap(([name, pid]) => (pid === undefined ? [] : [[name, [pid]] as const])),
    );
  const sched = await schedOf({
    ...byPid(sources.servicePids),
    ...byPid(sources.yardsticks),
    postgresql: processes.postgres?.pids ?? [],
    redis: processes['redis-server']?.pids ?? [],
    'load generator': [process.pid],
  });
  return pressureUs === undefined
    ? { cpu: out, gc, stages, orderCalls, sched }
    : { cpu: out, gc, stages, orderCalls, sched, pressureUs };
}

/** Microseconds of CPU per request, by source, between two snapshots; sources under 1 µs per request are dropped. */
export function cpuPerRequest(before: CpuSnapshot, after: CpuSnapshot, requests: number): Record<string, number> {
  const out: Record<string, number> = {};
  if (requests <= 0) return out;
  for (const [name, end] of Object.entries(after)) {
    const start = before[name];
    if (start === undefined) continue;
    const us = Math.round(((end - start) / requests) * 1e6);
    if (us >= 1) out[name] = us;
  }
  return out;
}

/** What a service's garbage collector did during a scenario, per second of it. */
export interface GcRate {
  majorPerSecond: number;
  minorPerSecond: number;
  /** Milliseconds of main-thread collection per second: the share of a core, in thousandths. */
  msPerSecond: number;
}

/**
 * Garbage collection per second of a scenario, by service, between two snapshots. A heap held small by
 * `--max-old-space-size` can settle into a regime of a major collection every few hundred milliseconds under load
 * (docs/benchmark.md): this shows which services a run caught in it.
 */
export function gcPerSecond(before: GcSnapshot, after: GcSnapshot, seconds: number): Record<string, GcRate> {
  const out: Record<string, GcRate> = {};
  if (seconds <= 0) return out;
  const round = (n: number) => Math.round(n * 10) / 10;
  for (const [name, end] of Object.entries(after)) {
    const start = before[name];
    // Unknown before, or restarted in between: left out rather than guessed.
    if (!start || end.major < start.major || end.minor < start.minor) continue;
    out[name] = {
      majorPerSecond: round((end.major - start.major) / seconds),
      minorPerSecond: round((end.minor - start.minor) / seconds),
      msPerSecond: round(((end.seconds - start.seconds) / seconds) * 1000),
    };
  }
  return out;
}
