// Open-loop load at a steady rate: request i is sent at start + i/rate whether or not earlier ones have answered,
// and its latency counts from that scheduled moment, so a slow system cannot slow the schedule down and hide its
// own queueing (coordinated omission). autocannon's overallRate cannot stand in for this: it lets each connection
// spend its quota for the second as fast as it can at the top of every second, so the "rate" arrives in bursts of
// `connections` concurrent requests, and the latency measured is that of a burst. Requests go through an undici pool
// rather than fetch, whose streams and per-request signal cost the load generator several times the CPU on the same
// two cores the system under test uses.
import { Pool } from 'undici';
import type { LoadFigures } from './load.ts';

export interface PacedOptions {
  url: string;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
  perRequest?: () => { headers: Record<string, string>; body?: string };
  ratePerSecond: number;
  durationSeconds: number;
  timeoutMs?: number;
  /** Connections to reuse, e.g. those the warm-up opened, so the measured run does not open them again; kept open. */
  pool?: Pool;
}

/** Nearest-rank percentile of ascending `sorted`, in ms with one decimal. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return Math.round((sorted[rank] ?? 0) * 10) / 10;
}

/** The connection pool a paced run sends through. */
export const pacedPool = (url: string) => new Pool(new URL(url).origin, { connections: 256 });

export async function runPaced(options: PacedOptions): Promise<LoadFigures> {
  const intervalMs = 1000 / options.ratePerSecond;
  const total = Math.max(1, Math.round(options.ratePerSecond * options.durationSeconds));
  const latencies: number[] = [];
  const statusCodes: Record<string, number> = {};
  let errors = 0;
  let timeouts = 0;
  const inFlight = new Set<Promise<void>>();

  const url = new URL(options.url);
  const path = `${url.pathname}${url.search}`;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const pool = options.pool ?? pacedPool(options.url);
  const send = async (scheduledAt: number): Promise<void> => {
    const fresh = options.perRequest?.();
    try {
      const response = await pool.request({
        path,
        method: options.method,
        headers: { ...options.headers, ...fresh?.headers },
        body: fresh?.body ?? options.body ?? null,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      await response.body.dump();
      latencies.push(performance.now() - scheduledAt);
      const code = String(response.statusCode);
      statusCodes[code] = (statusCodes[code] ?? 0) + 1;
    } catch (err) {
      errors += 1;
      if (/Timeout/.test((err as Error).name)) timeouts += 1;
    }
  };

  const start = performance.now();
  for (let i = 0; i < total; i += 1) {
    const due = start + i * intervalMs;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    // A request may leave up to a millisecond before its due time (the loop sleeps only when further ahead, and timers
    // round to the millisecond): it counts from when it left, never from a moment still ahead.
    const request = send(Math.min(due, performance.now()));
    inFlight.add(request);
    void request.finally(() => inFlight.delete(request));
  }
  await Promise.all(inFlight);
  const elapsedSeconds = (performance.now() - start) / 1000;
  if (!options.pool) await pool.close();

  latencies.sort((a, b) => a - b);
  const completed = latencies.length;
  const ok = Object.entries(statusCodes)
    .filter(([code]) => code.startsWith('2'))
    .reduce((sum, [, n]) => sum + n, 0);
  return {
    requestsPerSecond: completed / elapsedSeconds,
    latencyP50Ms: percentile(latencies, 50),
    latencyP99Ms: percentile(latencies, 99),
    requests: completed,
    non2xx: completed - ok,
    errors,
    timeouts,
    statusCodes,
  };
}
