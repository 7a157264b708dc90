// How long a scenario's processes waited for a core, on this machine only. Linux keeps, for every thread, the time it
// spent runnable but not running (its run-queue delay) and how many times it was put on a CPU, in
// /proc/<pid>/schedstat: "<ns on a CPU> <ns waiting to run> <runs>"; /proc/<pid>/schedstat is the process's main
// thread, the one that serves requests in Node, PostgreSQL (one process a connection) and Redis. The machine as a
// whole has its CPU pressure in /proc/pressure/cpu: `some … total=<µs>`, the time during which at least one task
// waited for a core. An order is answered only after a chain of hand-offs between processes (client, gateway, orders,
// products, PostgreSQL, and back), each waking a process that may then wait for a core: on a busy machine with two
// cores those waits are a large part of an order's latency, and this shows how large, process by process.
import { readFile } from 'node:fs/promises';

/** One main thread's counters: nanoseconds waited to run, and times it was put on a CPU. */
export interface ThreadSched {
  waitNs: number;
  runs: number;
}

/** Counters by source, each by pid (a source may be many processes: PostgreSQL's backends). */
export type SchedSnapshot = Record<string, Record<string, ThreadSched>>;

/** What a scenario's processes waited for a core, per request, by source. */
export interface SchedWait {
  /** µs its main thread waited to run, per request. */
  waitUsPerRequest: number;
  /** Times its main thread was put on a CPU, per request: how often a request wakes it. */
  runsPerRequest: number;
  /** µs waited each time it was put on a CPU. */
  waitUsPerRun: number;
}

/** The counters of a /proc/<pid>/schedstat line, or undefined when it is not one. */
export function parseSchedstat(text: string): ThreadSched | undefined {
  const [, waitNs, runs] = text.trim().split(/\s+/).map(Number);
  if (waitNs === undefined || runs === undefined || !Number.isFinite(waitNs) || !Number.isFinite(runs))
    return undefined;
  return { waitNs, runs };
}

/** `some` total of /proc/pressure/cpu, in µs: how long at least one task waited for a core since boot. */
export function parseCpuPressure(text: string): number | undefined {
  const match = /^some\b.*\btotal=(\d+)\s*$/m.exec(text);
  return match ? Number(match[1]) : undefined;
}

/** The main thread's counters of process `pid`, or undefined when they cannot be read. */
export async function readSched(pid: number | string): Promise<ThreadSched | undefined> {
  return parseSchedstat(await readFile(`/proc/${pid}/schedstat`, 'utf8').catch(() => ''));
}

/**
 * The wait per request of each source between two snapshots, counting only the processes present in both (a
 * PostgreSQL backend that started or ended in between is left out rather than counted from zero), and sources with no
 * process in both left out.
 */
export function schedPerRequest(
  before: SchedSnapshot,
  after: SchedSnapshot,
  requests: number,
): Record<string, SchedWait> {
  const out: Record<string, SchedWait> = {};
  if (requests <= 0) return out;
  for (const [name, end] of Object.entries(after)) {
    const start = before[name];
    if (!start) continue;
    let waitNs = 0;
    let runs = 0;
    let seen = false;
    for (const [pid, e] of Object.entries(end)) {
      const s = start[pid];
      if (!s || e.runs < s.runs) continue;
      seen = true;
      waitNs += e.waitNs - s.waitNs;
      runs += e.runs - s.runs;
    }
    if (!seen) continue;
    out[name] = {
      waitUsPerRequest: Math.round(waitNs / 1000 / requests),
      runsPerRequest: Math.round((runs / requests) * 10) / 10,
      waitUsPerRun: runs > 0 ? Math.round(waitNs / 1000 / runs) : 0,
    };
  }
  return out;
}

/** The share of `seconds` during which at least one task waited for a core, from two CPU pressure totals (µs). */
export function pressureShare(beforeUs: number | undefined, afterUs: number | undefined, seconds: number) {
  if (beforeUs === undefined || afterUs === undefined || seconds <= 0 || afterUs < beforeUs) return undefined;
  return Math.min(1, Math.round(((afterUs - beforeUs) / 1e6 / seconds) * 1000) / 1000);
}
