// Where the machine's CPU goes during a scenario, per request: each service (its own process_cpu_seconds_total, read
// from its metrics listener, so any deployment works), a yardstick's process, PostgreSQL and Redis (from /proc, on
// this machine only), the load generator (this process) and the whole machine (/proc/stat). On two cores, the sum
// per request bounds the rate: 2 s of CPU a second divided by the CPU one request takes.
import { readdir, readFile } from 'node:fs/promises';
import { metricsAddress } from '../dev/services.ts';

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

async function serviceCpu(url: string): Promise<number | undefined> {
  try {
    const response = await fetch(`http://${metricsAddress(url)}/metrics`, { signal: AbortSignal.timeout(2000) });
    return response.ok ? parseCpuSeconds(await response.text()) : undefined;
  } catch {
    return undefined;
  }
}

/** CPU seconds of every process by command name (PostgreSQL backends all run as `postgres`). */
async function processCpuByCommand(commands: Set<string>): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
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
        if (stat && commands.has(stat.command)) out[stat.command] = (out[stat.command] ?? 0) + stat.seconds;
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
  /** A yardstick's process, when the scenario loads one. */
  yardstickPid?: number | undefined;
}

/** Reads every source once. Sources that cannot be read are left out, never reported as zero. */
export async function snapshotCpu(sources: CpuSources): Promise<CpuSnapshot> {
  const out: CpuSnapshot = {};
  const [services, processes, machine, yardstick] = await Promise.all([
    Promise.all(Object.entries(sources.services).map(async ([name, url]) => [name, await serviceCpu(url)] as const)),
    processCpuByCommand(new Set(['postgres', 'redis-server'])),
    readFile('/proc/stat', 'utf8').then(parseMachineBusySeconds, () => undefined),
    sources.yardstickPid === undefined ? undefined : pidCpu(sources.yardstickPid),
  ]);
  for (const [name, seconds] of services) if (seconds !== undefined) out[name] = seconds;
  if (yardstick !== undefined) out.yardstick = yardstick;
  if (processes.postgres !== undefined) out.postgresql = processes.postgres;
  if (processes['redis-server'] !== undefined) out.redis = processes['redis-server'];
  const own = process.cpuUsage();
  out['load generator'] = (own.user + own.system) / 1e6;
  if (machine !== undefined) out.machine = machine;
  return out;
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
