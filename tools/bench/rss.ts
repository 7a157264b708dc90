// Memory of each service, read from its Prometheus endpoint while the load runs: works for any deployment that
// exposes /metrics, with no access to the hosts.
import { metricsAddress } from '../dev/services.ts';

/** `process_resident_memory_bytes` from a Prometheus text exposition, or undefined when absent. */
export function parseResidentBytes(exposition: string): number | undefined {
  const match = /^process_resident_memory_bytes(?:\{[^}]*\})?\s+([0-9.eE+-]+)\s*$/m.exec(exposition);
  if (!match?.[1]) return undefined;
  const value = Number(match[1]);
  return Number.isFinite(value) ? value : undefined;
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
  readonly #peak = new Map<string, number>();
  #timer: NodeJS.Timeout | undefined;
  #inFlight: Promise<void> = Promise.resolve();

  constructor(services: Record<string, string>) {
    this.#services = services;
  }

  start(intervalMs = 1000): void {
    this.#timer = setInterval(() => {
      this.#inFlight = this.sample();
    }, intervalMs);
  }

  async sample(): Promise<void> {
    await Promise.all(
      Object.entries(this.#services).map(async ([name, url]) => {
        const bytes = await readResidentBytes(url);
        if (bytes !== undefined) this.#peak.set(name, Math.max(bytes, this.#peak.get(name) ?? 0));
      }),
    );
  }

  /** Stops sampling; returns peak MB per service, null where /metrics could not be read. */
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
