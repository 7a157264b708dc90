// Memory of each service while the load runs. A service this benchmark started is read by its pid from /proc, which
// costs the service nothing; any other from its Prometheus endpoint, which works for any deployment that exposes
// /metrics, with no access to the hosts. Both give the same figure (prom-client reads VmRSS as /proc does), but a
// scrape renders the service's whole exposition on its event loop: once a second, in every service, it would load
// what is measured with 30 times the monitoring the chart sets up (a scrape every 30 s), and the yardsticks with none.
import { readFile } from 'node:fs/promises';
import { metricsAddress } from '../dev/services.ts';

/** `process_resident_memory_bytes` from a Prometheus text exposition, or undefined when absent. */
export function parseResidentBytes(exposition: string): number | undefined {
  const match = /^process_resident_memory_bytes(?:\{[^}]*\})?\s+([0-9.eE+-]+)\s*$/m.exec(exposition);
  if (!match?.[1]) return undefined;
  const value = Number(match[1]);
  return Number.isFinite(value) ? value : undefined;
}

/** `VmRSS` from a `/proc/<pid>/status`, in bytes, or undefined when absent. */
export function parseVmRss(status: string): number | undefined {
  const match = /^VmRSS:\s+(\d+)\s+kB\s*$/m.exec(status);
  return match?.[1] ? Number(match[1]) * 1024 : undefined;
}

/** Reads a process's memory on this machine, or undefined when it is gone. */
export async function readPidResidentBytes(pid: number): Promise<number | undefined> {
  return parseVmRss(await readFile(`/proc/${pid}/status`, 'utf8').catch(() => ''));
}

/** Reads a service's memory from its metrics listener (METRICS_PORT, beside the API URL it is given). */
export async function readResidentBytes(baseUrl: string): Promise<number | undefined> {
  try {
    const response = await fetch(`http://${metricsAddress(baseUrl)}/metrics`, { signal: AbortSignal.timeout(2000) });
    return response.ok ? parseResidentBytes(await response.text()) : undefined;
  } catch {
    return undefined;
  }
}

/** Samples every service's RSS once a second and keeps the highest value seen for each. */
export class RssSampler {
  readonly #services: Record<string, string>;
  readonly #pids: Record<string, number | undefined>;
  readonly #peak = new Map<string, number>();
  #timer: NodeJS.Timeout | undefined;
  #inFlight: Promise<void> = Promise.resolve();

  /** `services`: name → API URL; `pids`: name → process id, for the services running on this machine. */
  constructor(services: Record<string, string>, pids: Record<string, number | undefined> = {}) {
    this.#services = services;
    this.#pids = pids;
  }

  start(intervalMs = 1000): void {
    this.#timer = setInterval(() => {
      this.#inFlight = this.sample();
    }, intervalMs);
  }

  async sample(): Promise<void> {
    await Promise.all(
      Object.entries(this.#services).map(async ([name, url]) => {
        const pid = this.#pids[name];
        const bytes = pid === undefined ? await readResidentBytes(url) : await readPidResidentBytes(pid);
        if (bytes !== undefined) this.#peak.set(name, Math.max(bytes, this.#peak.get(name) ?? 0));
      }),
    );
  }

  /** Stops sampling; returns peak MB per service, null where neither its pid nor its /metrics could be read. */
  async stop(): Promise<Record<string, number | null>> {
    clearInterval(this.#timer);
    await this.#inFlight;
    await this.sample();
    return Object.fromEntries(
      Object.keys(this.#services).map((name) => {
        const bytes = this.#peak.get(name);
        return [name, bytes === undefined ? null : Math.round((bytes / 1024 / 1024) * 10) / 10];
      }),
    );
  }
}
