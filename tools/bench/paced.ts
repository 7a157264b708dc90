// Open-loop load at a steady rate: request i is sent at start + i/rate whether or not earlier ones have answered,
// and its latency counts from that scheduled moment, so a slow system cannot slow the schedule down and hide its
// own queueing (coordinated omission). autocannon's overallRate cannot stand in for this: it lets each connection
// spend its quota for the second as fast as it can at the top of every second, so the "rate" arrives in bursts of
// `connections` concurrent requests, and the latency measured is that of a burst.
//
// Counting from the scheduled moment also counts the load generator's own pauses: a request due while the generator
// collects garbage leaves late, and its answer is read late. So the generator must hardly pause. Requests go through
// an undici pool's `dispatch` with a handler that keeps the status and drops the body: undici's `request` (a
// Readable body per answer) left objects alive across young-generation collections, so the generator's heap grew by
// a few MB a second and its scavenges took 15–70 ms on a busy machine, each landing in the p99 it reported; with
// `dispatch` they took about a millisecond on an idle one. fetch, with its streams and per-request signal, costs
// several times the CPU on the same two cores the system under test uses. How late each request left
// (`sendLagP99Ms`) and the generator's longest pause (`generatorGcMaxMs`) are reported beside the latencies.
import { PerformanceObserver } from 'node:perf_hooks';
import { Pool, type Dispatcher } from 'undici';
import type { LoadFigures } from './load.ts';

/** One request of a paced run: when it was due (ms since the epoch) and how long it took, ms. */
export interface TimedOrder {
  at: number;
  ms: number;
}

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
  /** When given, every answered request is added: when it was due (ms since the epoch) and how long it took. */
  timeline?: TimedOrder[];
}

/** Nearest-rank percentile of ascending `sorted`, in ms with one decimal. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return Math.round((sorted[rank] ?? 0) * 10) / 10;
}

/** The connection pool a paced run sends through. */
export const pacedPool = (url: string) => new Pool(new URL(url).origin, { connections: 256 });

/**
 * What a paced run measured: the load figures, how late the generator itself sent (99th percentile of how long after
 * its due moment a request left) and its own longest garbage-collection pause, a bound on what it added to any answer.
 */
export type PacedFigures = LoadFigures & Required<Pick<LoadFigures, 'sendLagP99Ms' | 'generatorGcMaxMs'>>;

/** Sends one request; settles with its status code once the whole answer has arrived (the body is not kept). */
function dispatchOnce(pool: Pool, options: Dispatcher.DispatchOptions): Promise<number> {
  return new Promise((resolve, reject) => {
    let status = 0;
    pool.dispatch(options, {
      onRequestStart: () => {},
      onResponseStart: (_controller, statusCode) => {
        status = statusCode;
      },
      onResponseData: () => {},
      onResponseEnd: () => resolve(status),
      onResponseError: (_controller, err) => reject(err),
    });
  });
}

export async function runPaced(options: PacedOptions): Promise<PacedFigures> {
  const intervalMs = 1000 / options.ratePerSecond;
  const total = Math.max(1, Math.round(options.ratePerSecond * options.durationSeconds));
  const latencies: number[] = [];
  const lags: number[] = [];
  const statusCodes: Record<string, number> = {};
  let errors = 0;
  let timeouts = 0;
  const inFlight = new Set<Promise<void>>();

  const url = new URL(options.url);
  const path = `${url.pathname}${url.search}`;
  const origin = url.origin;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const pool = options.pool ?? pacedPool(options.url);
  const send = async (scheduledAt: number): Promise<void> => {
    const fresh = options.perRequest?.();
    try {
      const statusCode = await dispatchOnce(pool, {
        origin,
        path,
        method: options.method,
        headers: { ...options.headers, ...fresh?.headers },
        body: fresh?.body ?? options.body ?? null,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      const ms = performance.now() - scheduledAt;
      latencies.push(ms);
      options.timeline?.push({ at: performance.timeOrigin + scheduledAt, ms });
      const code = String(statusCode);
      statusCodes[code] = (statusCodes[code] ?? 0) + 1;
    } catch (err) {
      errors += 1;
      if (/Timeout/.test((err as Error).name)) timeouts += 1;
    }
  };

  let gcMaxMs = 0;
  const gc = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) gcMaxMs = Math.max(gcMaxMs, entry.duration);
  });
  gc.observe({ entryTypes: ['gc'] });
  const start = performance.now();
  for (let i = 0; i < total; i += 1) {
    const due = start + i * intervalMs;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    // A request may leave up to a millisecond before its due time (the loop sleeps only when further ahead, and timers
    // round to the millisecond): it counts from when it left, never from a moment still ahead.
    const now = performance.now();
    lags.push(Math.max(0, now - due));
    const request = send(Math.min(due, now));
    inFlight.add(request);
    void request.finally(() => inFlight.delete(request));
  }
  await Promise.all(inFlight);
  const elapsedSeconds = (performance.now() - start) / 1000;
  gc.disconnect();
  if (!options.pool) await pool.close();

  latencies.sort((a, b) => a - b);
  lags.sort((a, b) => a - b);
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
    sendLagP99Ms: percentile(lags, 99),
    generatorGcMaxMs: Math.round(gcMaxMs * 10) / 10,
  };
}
