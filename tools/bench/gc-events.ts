// Loaded into each service of a system the benchmark starts (NODE_OPTIONS --import): one line on stderr for every
// full (mark-compact) collection, with its wall-clock start, so the benchmark can place each slow order against the
// collections around it (collections.ts). Nothing else is written, and a minor collection writes nothing.
import { PerformanceObserver, constants, performance } from 'node:perf_hooks';

/** The prefix of each line, which the benchmark reads back from the service's output. */
export const GC_EVENT_PREFIX = 'shipshape-bench-gc ';

export interface FullCollection {
  /** Wall-clock start, ms since the epoch (the same clock as Date.now() in every process on the machine). */
  at: number;
  /** Length of the pause on the service's main thread, ms. */
  ms: number;
}

/** The collection a line reports, or undefined for any other line. */
export function parseGcEvent(line: string): FullCollection | undefined {
  if (!line.startsWith(GC_EVENT_PREFIX)) return undefined;
  try {
    const event = JSON.parse(line.slice(GC_EVENT_PREFIX.length)) as Partial<FullCollection>;
    return typeof event.at === 'number' && typeof event.ms === 'number' ? { at: event.at, ms: event.ms } : undefined;
  } catch {
    return undefined;
  }
}

// Only when preloaded into a service (the benchmark's own tests import parseGcEvent without starting an observer).
if (process.env.SHIPSHAPE_BENCH_GC_EVENTS === '1') {
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const detail = (entry as PerformanceEntry & { detail?: { kind?: number } }).detail;
      if (detail?.kind !== constants.NODE_PERFORMANCE_GC_MAJOR) continue;
      const event: FullCollection = {
        at: Math.round((performance.timeOrigin + entry.startTime) * 10) / 10,
        ms: Math.round(entry.duration * 100) / 100,
      };
      process.stderr.write(`${GC_EVENT_PREFIX}${JSON.stringify(event)}\n`);
    }
  }).observe({ entryTypes: ['gc'] });
}
